import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import { inboxCountsOf } from '../stores/conversation-rules.js';

/** Changes to an inbox within this long are told to its operators in one `counts` event. */
const GATHER_MS = 250;

/**
 * Tells operators an inbox's tab counts when they moved (a conversation created, reopened,
 * resolved, assigned), read from the counts the store keeps, so that no operator has to ask.
 * Changes that come together are told together; at most one read per inbox is waiting.
 */
export class CountsBroadcast {
  readonly #ctx: ChatContext;
  readonly #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
  }

  changed(inbox: string): void {
    this.#pending.add(inbox);
    this.#timer ??= setTimeout(() => void this.#tell(), GATHER_MS).unref();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#pending.clear();
  }

  async #tell(): Promise<void> {
    this.#timer = undefined;
    const inboxes = [...this.#pending];
    this.#pending.clear();
    try {
      const counts = await this.#ctx.store.inboxCounts(inboxes);
      const operators = this.#ctx.operatorNamespace();
      for (const inbox of inboxes) {
        const found = counts.find((entry) => entry.inbox === inbox) ?? inboxCountsOf(inbox, []);
        operators.to([channels.inboxOperators(inbox), channels.inboxOperators('*')]).emit('counts', found);
      }
    } catch (error) {
      // The next change tells them again; operators' lists ask for counts when they reconnect.
      this.#ctx.report(error);
    }
  }
}
