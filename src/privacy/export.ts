import { ratingOf } from '../conversations/views.js';
import type { FileReader } from '../files/links.js';
import type { ChatFile, ChatMessage, ExportedMessage, VisitorExport } from '../protocol.js';
import type { ChatContext } from '../server/context.js';
import { threadKey } from '../stores/conversation-rules.js';
import type { ConversationRecord } from '../stores/types.js';
import { threadPages, type Erasure } from './erasure.js';

const PAGE = 200;

/**
 * Everything the chat holds about one visitor, in the documented shape (`VisitorExport`): what
 * `eraseVisitor` would remove, read the same way. Notes are included: they are written about
 * the visitor, and the host decides what of them to hand over.
 */
export async function exportVisitor(ctx: ChatContext, erasure: Erasure, visitorId: string): Promise<VisitorExport> {
  const { store } = ctx;
  const [user, consents, conversations] = await Promise.all([store.getUser(visitorId), store.consents(visitorId), store.visitorConversations(visitorId)]);
  const files = new Map<string, { file: ChatFile; reader: FileReader }>();
  const exported = (messages: ChatMessage[], reader: FileReader) =>
    messages.map((message) => {
      for (const file of message.files ?? []) if (!files.has(file.id)) files.set(file.id, { file, reader });
      return exportedMessage(message);
    });

  const exportedConversations = [];
  for (const record of conversations) {
    const messages: ExportedMessage[] = [];
    const notes: ExportedMessage[] = [];
    for await (const page of threadPages(store, threadKey(record))) messages.push(...exported(page, `v:${visitorId}`));
    for await (const page of threadPages(store, threadKey(record, true))) notes.push(...exported(page, `t:${record.inbox}`));
    exportedConversations.push({
      id: record.id,
      inbox: record.inbox,
      visitorName: record.visitorName,
      status: record.status,
      createdAt: record.createdAt.toISOString(),
      updatedAt: record.updatedAt.toISOString(),
      messages,
      notes,
      rating: exportedRating(record),
    });
  }

  const roomMessages: VisitorExport['roomMessages'] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.messagesBySender(erasure.senderIds(visitorId), after, PAGE);
    for (const message of page) {
      // Their conversations' messages are above, with the rest of each conversation.
      if (message.room.includes('/')) continue;
      roomMessages.push({ room: message.room, ...exported([message], `r:${message.room}`)[0]! });
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }

  return {
    visitorId,
    exportedAt: new Date().toISOString(),
    user: user && {
      name: user.name,
      email: user.email,
      phone: user.phone,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    },
    consents: consents.map((consent) => ({
      version: consent.version,
      givenAt: consent.givenAt.toISOString(),
      ...(consent.address ? { address: consent.address } : {}),
    })),
    conversations: exportedConversations,
    roomMessages,
    files: await exportedFiles(ctx, [...files.values()]),
  };
}

function exportedMessage(message: ChatMessage): ExportedMessage {
  return {
    seq: message.seq,
    sender: { name: message.sender.name, role: message.sender.role },
    message: message.message,
    timestamp: message.timestamp,
    ...(message.files?.length ? { files: message.files.map(({ id, name, type, size }) => ({ id, name, type, size })) } : {}),
  };
}

/** The files still stored, each with a URL signed for the reader of where it was sent. */
async function exportedFiles(ctx: ChatContext, found: Array<{ file: ChatFile; reader: FileReader }>): Promise<VisitorExport['files']> {
  const files = ctx.files;
  if (!files) return [];
  const exported: VisitorExport['files'] = [];
  for (const { file, reader } of found) {
    const record = await files.record(file.id);
    if (!record) continue;
    const { url, expires } = files.links.fileUrl(file, reader);
    exported.push({
      id: file.id,
      name: record.name,
      type: record.type,
      size: record.size,
      uploadedAt: record.createdAt.toISOString(),
      url,
      urlExpiresAt: new Date(expires).toISOString(),
    });
  }
  return exported;
}

/** The visitor's rating as their export holds it: the operator by name only, as on their messages. */
function exportedRating(record: ConversationRecord) {
  const rating = ratingOf(record);
  return rating && { ...rating, assignee: rating.assignee && { name: rating.assignee.name } };
}
