import type { ChatMessage } from '../src/protocol.js';

/**
 * The messages of one room or conversation as a client holds them: unique by id, in seq order.
 * Live messages and catch-up arrive in order and are appended; an older page is sorted in once.
 */
export class MessageLog<M extends ChatMessage = ChatMessage> {
  readonly #byId = new Map<string, M>();
  #sorted: M[] = [];

  get messages(): readonly M[] {
    return this.#sorted;
  }

  get newest(): M | undefined {
    return this.#sorted.at(-1);
  }

  get oldest(): M | undefined {
    return this.#sorted[0];
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Adds what is new, keeping seq order; returns the messages that were new. */
  merge(messages: readonly M[]): M[] {
    const fresh: M[] = [];
    let inOrder = true;
    for (const message of messages) {
      if (this.#byId.has(message.id)) continue;
      const newest = fresh.at(-1) ?? this.#sorted.at(-1);
      if (newest && message.seq < newest.seq) inOrder = false;
      this.#byId.set(message.id, message);
      fresh.push(message);
    }
    if (fresh.length === 0) return fresh;
    if (inOrder) this.#sorted.push(...fresh);
    else this.#sorted = [...this.#byId.values()].sort((a, b) => a.seq - b.seq);
    return fresh;
  }

  clear(): void {
    this.#byId.clear();
    this.#sorted = [];
  }
}
