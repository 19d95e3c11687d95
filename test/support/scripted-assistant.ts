import type { AssistantReplyContext } from 'parley-chat';

/** A reply the test writes piece by piece: `push` text (or an Error, which it throws), then `end()`. */
export class Scripted {
  readonly contexts: AssistantReplyContext[] = [];
  #queue: Array<string | Error | null> = [];
  #wake: (() => void) | undefined;
  push(...pieces: Array<string | Error | null>): void {
    this.#queue.push(...pieces);
    this.#wake?.();
  }
  end(): void {
    this.push(null);
  }
  readonly reply = (context: AssistantReplyContext): AsyncIterable<string> => {
    this.contexts.push(context);
    const self = this;
    return (async function* () {
      for (;;) {
        while (self.#queue.length === 0) await new Promise<void>((resolve) => (self.#wake = resolve));
        const next = self.#queue.shift()!;
        if (next === null) return;
        if (next instanceof Error) throw next;
        yield next;
      }
    })();
  };
}

