import { TYPING_REFRESH_MS, TYPING_SHOWN_MS } from './timing.js';

/**
 * This client's own typing, told to the others: `typing: true` at most every TYPING_REFRESH_MS
 * while it lasts, and `typing: false` once when it stops. With `idleMs`, typing that goes quiet
 * that long counts as stopped.
 */
export class TypingSignal {
  /** Sends the event, and says whether it could (the connection is up). */
  readonly #send: (typing: boolean) => boolean;
  readonly #idleMs: number | undefined;
  #sentAt = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(send: (typing: boolean) => boolean, idleMs?: number) {
    this.#send = send;
    this.#idleMs = idleMs;
  }

  /** The person is (or is no longer) typing. */
  set(typing: boolean): void {
    clearTimeout(this.#idleTimer);
    if (!typing) {
      if (this.#sentAt) this.#send(false);
      this.#sentAt = 0;
      return;
    }
    if (Date.now() - this.#sentAt > TYPING_REFRESH_MS) {
      if (!this.#send(true)) return;
      this.#sentAt = Date.now();
    }
    if (this.#idleMs !== undefined) this.#idleTimer = setTimeout(() => this.set(false), this.#idleMs);
  }

  stop(): void {
    clearTimeout(this.#idleTimer);
  }
}

/** Who else is typing: each shows for TYPING_SHOWN_MS unless they tell again, or say they stopped. */
export class TypingIndicators {
  readonly #typing = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();
  readonly #change: () => void;

  constructor(change: () => void) {
    this.#change = change;
  }

  get names(): string[] {
    return [...this.#typing.values()].map((entry) => entry.name);
  }

  set(senderId: string, name: string, typing: boolean): void {
    const existing = this.#typing.get(senderId);
    if (existing) clearTimeout(existing.timer);
    if (typing) {
      const timer = setTimeout(() => {
        this.#typing.delete(senderId);
        this.#change();
      }, TYPING_SHOWN_MS);
      this.#typing.set(senderId, { name, timer });
    } else {
      this.#typing.delete(senderId);
    }
    this.#change();
  }

  clear(): void {
    for (const { timer } of this.#typing.values()) clearTimeout(timer);
    this.#typing.clear();
  }
}
