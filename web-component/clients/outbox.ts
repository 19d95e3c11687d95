import type { Ack, ChatErrorPayload, ChatMessage } from '../../src/protocol.js';
import { load, save } from '../shared/storage.js';

/** A message of this client that the server has not acknowledged yet. */
export interface OutgoingMessage {
  clientId: string;
  message: string;
  createdAt: string;
  status: 'pending' | 'failed';
  error?: ChatErrorPayload;
  /** Operators only: a note. */
  note?: boolean;
  /** It was sent before without an answer: the next send tells the server it is a retry. */
  sent?: boolean;
}

export interface OutboxEvents {
  /** The server stored an entry: it left the outbox. */
  stored(message: ChatMessage): void;
  /** The server refused an entry for good: it stays, marked failed, until retried. */
  failed(error: ChatErrorPayload): void;
  change(): void;
}

const RETRY_DELAY_MS = 3_000;
const ACK_TIMEOUT_MS = 10_000;

/**
 * Messages on their way to the server, kept (in localStorage, when there is a key) until it
 * acknowledges each one, so a reload or a lost connection loses nothing. Sent in order, one at a
 * time; a message without an answer is sent again with the same clientId, which the server
 * stores once.
 */
export class Outbox {
  readonly #storageKey: string | undefined;
  readonly #events: OutboxEvents;
  #entries: OutgoingMessage[];
  #flushing = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #send: Sender | undefined;

  constructor(storageKey: string | undefined, events: OutboxEvents) {
    this.#storageKey = storageKey;
    this.#events = events;
    this.#entries = (storageKey ? load<OutgoingMessage[]>(storageKey) : undefined) ?? [];
  }

  get entries(): readonly OutgoingMessage[] {
    return this.#entries;
  }

  add(message: string, extra: Pick<OutgoingMessage, 'note'> = {}): OutgoingMessage {
    const entry: OutgoingMessage = { clientId: newClientId(), message, createdAt: new Date().toISOString(), status: 'pending', ...extra };
    this.#entries.push(entry);
    this.#persist();
    this.#events.change();
    return entry;
  }

  retry(clientId: string): void {
    const entry = this.#entries.find((item) => item.clientId === clientId);
    if (!entry) return;
    entry.status = 'pending';
    delete entry.error;
    this.#persist();
    this.#events.change();
    void this.flush();
  }

  /** Drops entries the server already has (seen in a catch-up after their ack was lost). */
  drop(clientIds: ReadonlySet<string>): void {
    if (!this.#entries.some((entry) => clientIds.has(entry.clientId))) return;
    this.#entries = this.#entries.filter((entry) => !clientIds.has(entry.clientId));
    this.#persist();
  }

  /** Where entries go; undefined while the connection cannot take them (flushed again once it can). */
  setSender(send: Sender | undefined): void {
    this.#send = send;
  }

  async flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    clearTimeout(this.#retryTimer);
    try {
      // The first pending entry each time round, so entries added during a send go out too.
      for (;;) {
        const send = this.#send;
        const entry = this.#entries.find((item) => item.status === 'pending');
        if (!send || !entry) return;
        // Noted before it goes, so that after a reload, too, the next send says it is a retry.
        const retry = entry.sent === true;
        if (!retry) {
          entry.sent = true;
          this.#persist();
        }
        let ack: Ack<{ message: ChatMessage }>;
        try {
          ack = await send(entry, retry);
        } catch {
          this.#scheduleRetry(RETRY_DELAY_MS); // no answer; the clientId makes a resend safe
          return;
        }
        if (ack.ok) {
          this.#entries = this.#entries.filter((item) => item !== entry);
          this.#events.stored(ack.message);
        } else if (ack.error.retryable || ack.error.code === 'RATE_LIMITED') {
          this.#scheduleRetry(ack.error.retryAfterMs ?? RETRY_DELAY_MS);
          return;
        } else {
          entry.status = 'failed';
          entry.error = ack.error;
          this.#events.failed(ack.error);
        }
        this.#persist();
        this.#events.change();
      }
    } finally {
      this.#flushing = false;
    }
  }

  stop(): void {
    clearTimeout(this.#retryTimer);
    this.#send = undefined;
  }

  #scheduleRetry(ms: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.flush(), ms);
  }

  #persist(): void {
    if (this.#storageKey) save(this.#storageKey, this.#entries);
  }
}

/** Sends an entry; `retry` says it was sent before, without an answer. */
type Sender = (entry: OutgoingMessage, retry: boolean) => Promise<Ack<{ message: ChatMessage }>>;

/** How long a client waits for an acknowledgement before it treats the request as unanswered. */
export { ACK_TIMEOUT_MS };

export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
