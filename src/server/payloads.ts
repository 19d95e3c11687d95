import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { z } from 'zod';
import type {
  ConsentPayload,
  EraseVisitorPayload,
  VisitorOfConversationPayload,
  AssignPayload,
  ChangesPayload,
  ClosePayload,
  HistoryPayload,
  InboxHistoryPayload,
  InboxJoinPayload,
  InboxListPayload,
  InboxMessagePayload,
  InboxTypingPayload,
  JoinPayload,
  MessagePayload,
  OpenPayload,
  OperatorHistoryPayload,
  OperatorMessagePayload,
  OperatorReadPayload,
  OperatorsPayload,
  OperatorTypingPayload,
  RatePayload,
  ReadPayload,
  RepliesPayload,
  SearchPayload,
  StatusPayload,
  TypingPayload,
  UserDetailsPayload,
} from '../protocol.js';
import { ChatError } from './errors.js';

// C0 and C1 control characters and DEL. Messages may still hold line breaks and tabs.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_CHARS_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Room names: 1–64 of letters, digits, `_ - . :`, starting with a letter or digit. */
export const ROOM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** A saved reply's shortcut, after lower-casing. */
export const SHORTCUT_PATTERN = /^[a-z0-9_-]{1,32}$/;

const room = z.string().regex(ROOM_PATTERN, 'Room names are 1–64 letters, digits, _ - . or :');
const inbox = z.string().regex(ROOM_PATTERN, 'Inbox names are 1–64 letters, digits, _ - . or :');
const conversationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Not a conversation id');
const operatorId = z.string().min(1).max(128);
const replyId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Not a saved reply id');
const status = z.enum(['open', 'resolved']);

/**
 * Text a person typed. It must be well-formed UTF-16: MongoDB stores UTF-8, so a lone surrogate
 * would be stored as U+FFFD and the ack, the broadcast and the history would disagree. Lengths
 * count UTF-16 code units (`String.length`), as the widget's `maxlength` and the documented
 * limits do; zod's own `max` counts code points, which lets 1,001 emoji through a limit of 2,000.
 */
function text(what: string, maxLength: number, tooLong: string) {
  return z
    .string()
    .refine((value) => value.isWellFormed(), { message: `${what} contains an unpaired surrogate`, abort: true })
    .superRefine((value, ctx) => {
      if (value.length > maxLength) {
        ctx.addIssue({ code: 'too_big', origin: 'string', maximum: maxLength, inclusive: true, input: value, message: tooLong });
      }
    });
}
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Typed text of one line (a search, a shortcut's comment), trimmed, without control characters. */
function line(what: string, maxLength: number) {
  return z
    .string()
    .trim()
    .min(1, `${what} is empty`)
    .pipe(text(what, maxLength, `${what} is at most ${maxLength} characters`))
    .refine((value) => !CONTROL_CHARS.test(value), `${what} contains control characters`);
}
/** An ISO 8601 time, as a Date. */
const time = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

export interface SchemaLimits {
  maxMessageLength: number;
  maxPageSize: number;
  /** Files a message may send; 0 when the chat takes none. */
  maxFilesPerMessage?: number;
}

/** An id of an uploaded file, as `POST <basePath>/files` makes them. */
const FILE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Text, files, or both: a message with neither is empty. */
const hasContent = (payload: { message: string; files?: string[] | undefined }) => payload.message.trim().length > 0 || (payload.files?.length ?? 0) > 0;
const EMPTY = { message: 'The message is empty', path: ['message'] };

/**
 * One schema per client event. Each is the documentation of its payload: anything it does not
 * name is dropped, and anything of the wrong type is refused before a handler runs.
 */
export function createPayloadSchemas(limits: SchemaLimits, defaultPhoneCountry?: CountryCode) {
  // May be empty when the message sends files (see hasContent).
  const messageText = text('The message', limits.maxMessageLength, `Messages are at most ${limits.maxMessageLength} characters`).refine(
    (value) => !CONTROL_CHARS_EXCEPT_WHITESPACE.test(value),
    'The message contains control characters',
  );
  const maxFiles = limits.maxFilesPerMessage ?? 0;
  const files = z
    .array(z.string().regex(FILE_ID_PATTERN, 'A file id is 1–64 letters, digits, _ or -'))
    .max(maxFiles, maxFiles === 0 ? 'This chat does not take files' : `At most ${maxFiles} files per message`)
    .optional();
  const clientId = z.string().regex(CLIENT_ID_PATTERN, 'clientId is 1–64 letters, digits, _ or -');
  const pageLimit = z.number().int().min(1).max(limits.maxPageSize).optional();

  const join = z.object({
    room,
    since: seq.optional(),
  }) satisfies z.ZodType<JoinPayload>;

  const retry = z.boolean().optional();
  const message = z
    .object({
      room,
      message: messageText,
      clientId,
      files,
      retry,
    })
    .refine(hasContent, EMPTY) satisfies z.ZodType<MessagePayload>;

  const history = z.object({
    room,
    before: seq.min(1),
    limit: pageLimit,
  }) satisfies z.ZodType<HistoryPayload>;

  const userDetails = z.object({
    name: z
      .string('Please enter your name')
      .trim()
      .min(1, 'Please enter your name')
      .pipe(text('The name', 100, 'Names are at most 100 characters'))
      .refine((name) => !CONTROL_CHARS.test(name), 'The name contains control characters'),
    email: z
      .string('Please enter your email address')
      .trim()
      .pipe(text('The email address', 254, 'Email addresses are at most 254 characters'))
      .pipe(z.email('Please enter a valid email address')),
    phone: z
      .string('Please enter a phone number')
      .trim()
      .pipe(text('The phone number', 32, 'Please enter a valid phone number'))
      .transform((value, ctx) => {
        if (value === '') return '';
        const parsed = parsePhoneNumberFromString(value, defaultPhoneCountry);
        if (!parsed?.isValid()) {
          ctx.addIssue({
            code: 'custom',
            message: defaultPhoneCountry
              ? 'Please enter a valid phone number'
              : 'Please enter a valid phone number with its country code, e.g. +44 20 7946 0958',
          });
          return z.NEVER;
        }
        return parsed.number;
      })
      .optional()
      .transform((value) => value ?? ''),
  }) satisfies z.ZodType<{ name: string; email: string; phone: string }, UserDetailsPayload>;

  const typing = z.object({
    room,
    typing: z.boolean(),
  }) satisfies z.ZodType<TypingPayload>;

  // A visitor's own conversation in an inbox.
  const inboxJoin = z.object({ inbox, since: seq.optional() }) satisfies z.ZodType<InboxJoinPayload>;
  const inboxMessage = z.object({ inbox, message: messageText, clientId, files, retry }).refine(hasContent, EMPTY) satisfies z.ZodType<InboxMessagePayload>;
  const inboxHistory = z.object({ inbox, before: seq.min(1), limit: pageLimit }) satisfies z.ZodType<InboxHistoryPayload>;
  const inboxTyping = z.object({ inbox, typing: z.boolean() }) satisfies z.ZodType<InboxTypingPayload>;
  const read = z.object({ inbox, seq }) satisfies z.ZodType<ReadPayload>;
  /** `handoff` and `assistant`: only the inbox. */
  const inboxOnly = z.object({ inbox }) satisfies z.ZodType<{ inbox: string }>;
  const rate = z.object({
    inbox,
    score: z.number('The score is a whole number from 1 to 5').int('The score is a whole number from 1 to 5').min(1, 'The score is a whole number from 1 to 5').max(5, 'The score is a whole number from 1 to 5'),
    comment: z
      .string()
      .trim()
      .pipe(text('The comment', 1000, 'Comments are at most 1000 characters'))
      .refine((value) => !CONTROL_CHARS_EXCEPT_WHITESPACE.test(value), 'The comment contains control characters')
      .optional(),
  }) satisfies z.ZodType<{ inbox: string; score: number; comment?: string | undefined }, RatePayload>;

  const replyText = text('The reply', limits.maxMessageLength, `Replies are at most ${limits.maxMessageLength} characters`)
    .refine((value) => value.trim().length > 0, 'The reply is empty')
    .refine((value) => !CONTROL_CHARS_EXCEPT_WHITESPACE.test(value), 'The reply contains control characters');
  const replies = z.discriminatedUnion('action', [
    z.object({ action: z.literal('list'), inbox: inbox.optional() }),
    z.object({
      action: z.literal('save'),
      id: replyId.optional(),
      shortcut: z.string().trim().toLowerCase().regex(SHORTCUT_PATTERN, 'A shortcut is 1–32 letters, digits, _ or -'),
      text: replyText,
      inbox: inbox.nullable().optional(),
      personal: z.boolean().optional(),
    }),
    z.object({ action: z.literal('remove'), id: replyId }),
  ]) satisfies z.ZodType<unknown, RepliesPayload>;

  const search = z
    .object({
      text: line('The search', 200).optional(),
      visitor: line('The visitor', 254).optional(),
      inbox: inbox.optional(),
      status: status.optional(),
      before: time.optional(),
      since: time.optional(),
      limit: z.number().int().min(1).max(50).optional(),
      cursor: z.string().max(24_000).regex(/^[A-Za-z0-9_-]+$/, 'Not a cursor of this search').optional(),
    })
    .refine((query) => query.text !== undefined || query.visitor !== undefined, { message: 'Give text or a visitor to search for', path: ['text'] }) satisfies z.ZodType<
    unknown,
    SearchPayload
  >;

  // Operators, on /operators.
  const operators = {
    inbox: z.object({
      inbox: inbox.optional(),
      status: status.optional(),
      assignee: z.enum(['me', 'none', 'any']).optional(),
      handler: z.literal('assistant').optional(),
      before: seq.min(1).optional(),
      limit: pageLimit,
    }) satisfies z.ZodType<InboxListPayload>,
    changes: z.object({ since: seq, inbox: inbox.optional() }) satisfies z.ZodType<ChangesPayload>,
    operators: z.object({ inbox: inbox.optional() }) satisfies z.ZodType<OperatorsPayload>,
    open: z.object({ conversationId, since: seq.optional(), notesSince: seq.optional() }) satisfies z.ZodType<OpenPayload>,
    message: z
      .object({
        conversationId,
        message: messageText,
        clientId,
        files,
        note: z.boolean().optional(),
        retry,
      })
      .refine(hasContent, EMPTY) satisfies z.ZodType<OperatorMessagePayload>,
    history: z.object({ conversationId, before: seq.min(1), limit: pageLimit }) satisfies z.ZodType<OperatorHistoryPayload>,
    assign: z.object({
      conversationId,
      to: operatorId.nullable(),
      expected: operatorId.nullable(),
    }) satisfies z.ZodType<AssignPayload>,
    status: z.object({ conversationId, status, skipRating: z.boolean().optional() }) satisfies z.ZodType<StatusPayload>,
    read: z.object({ conversationId, seq }) satisfies z.ZodType<OperatorReadPayload>,
    typing: z.object({ conversationId, typing: z.boolean() }) satisfies z.ZodType<OperatorTypingPayload>,
    close: z.object({ conversationId }) satisfies z.ZodType<ClosePayload>,
    exportVisitor: z.object({ conversationId }) satisfies z.ZodType<VisitorOfConversationPayload>,
    eraseVisitor: z.object({ conversationId, mode: z.enum(['delete', 'anonymize']).optional() }) satisfies z.ZodType<EraseVisitorPayload>,
    replies,
    search,
  };

  const consent = z.object({ version: z.string().min(1).max(64) }) satisfies z.ZodType<ConsentPayload>;

  return { join, message, history, userDetails, typing, inboxJoin, inboxMessage, inboxHistory, inboxTyping, read, inboxOnly, rate, consent, operators };
}

/** Whether a visitor event names an inbox (the visitor's conversation) rather than a room. */
export function namesInbox(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload) && 'inbox' in payload;
}

export type PayloadSchemas = ReturnType<typeof createPayloadSchemas>;

/** Parses a payload or throws the coded error a client should see. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;

  const issues = result.error.issues;
  if (issues.some((issue) => issue.code === 'too_big' && issue.path[0] === 'message' && issue.path.length === 1)) {
    throw new ChatError('TOO_LARGE', issues.find((issue) => issue.path[0] === 'message')!.message);
  }
  if (issues.some((issue) => issue.path.length === 0)) {
    throw new ChatError('VALIDATION', 'The payload must be an object');
  }
  const given = payload as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const field = String(issue.path[0]);
    const missing = issue.code === 'invalid_type' && issue.path.length === 1 && given[field] === undefined;
    fields[field] ??= missing ? `${field} is required` : issue.code === 'invalid_type' ? `${field} has the wrong type` : issue.message;
  }
  throw new ChatError('VALIDATION', `Invalid ${Object.keys(fields).join(', ')}`, { fields });
}
