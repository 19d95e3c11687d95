/**
 * Batches operator replies per conversation: the first reply starts a timer, replies meanwhile
 * join its batch, and when it fires `check` decides what is still unread. One timer per
 * conversation with pending replies, on the node that stored the first of them.
 */
export class UnseenReplies {
  readonly #delayMs: number;
  readonly #check: (conversationId: string) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(delayMs: number, check: (conversationId: string) => Promise<void>, onError: (error: unknown) => void) {
    this.#delayMs = delayMs;
    this.#check = check;
    this.#onError = onError;
  }

  schedule(conversationId: string): void {
    if (this.#timers.has(conversationId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(conversationId);
      this.#check(conversationId).catch(this.#onError);
    }, this.#delayMs);
    // A pending reminder never keeps the host's process alive.
    timer.unref();
    this.#timers.set(conversationId, timer);
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
