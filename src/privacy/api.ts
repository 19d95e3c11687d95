import type { ConversationService } from '../conversations/service.js';
import type { EraseMode, ErasedCounts, VisitorExport } from '../protocol.js';
import type { ChatContext } from '../server/context.js';
import { Erasure, isVisitorId } from './erasure.js';
import { exportVisitor } from './export.js';
import { Retention, type RetentionResult } from './retention.js';

/** `chat.privacy`: the site owner's answers to a visitor's requests, and retention on demand. */
export interface PrivacyApi {
  /**
   * Everything the chat holds about a visitor (the id of their `session` event, or `user:<id>` for
   * a host user): their details, consents, conversations with notes, room messages, and files
   * with signed URLs. JSON-serialisable.
   */
  exportVisitor(visitorId: string): Promise<VisitorExport>;
  /**
   * Removes (`delete`, the default) or anonymises everything the chat holds about a visitor, on
   * every node: their tabs are disconnected and their tokens stop working. Safe to run twice, or
   * on two nodes at once; the second run counts nothing.
   */
  eraseVisitor(visitorId: string, options?: { mode?: EraseMode }): Promise<ErasedCounts>;
  /**
   * Runs `privacy.retention` now (as the hourly schedule does), finishing first what failures cut
   * short (erasures, deletions), and resolves what it removed.
   */
  sweep(): Promise<RetentionResult>;
}

/** The chat's privacy duties: erasure, export and retention, over one `Erasure`. */
export class ChatPrivacy implements PrivacyApi {
  readonly erasure: Erasure;
  readonly #ctx: ChatContext;
  readonly #retention: Retention;

  constructor(ctx: ChatContext, service: ConversationService | undefined) {
    this.#ctx = ctx;
    this.erasure = new Erasure(ctx, service);
    const { retention } = ctx.options;
    this.#retention = new Retention(retention, ctx.store, this.erasure, ctx.files, (error) => ctx.report(error));
  }

  /** Starts the hourly sweep: `privacy.retention`, and what failures cut short. */
  start(): void {
    this.#retention.start();
  }

  stop(): void {
    this.#retention.stop();
  }

  async exportVisitor(visitorId: string): Promise<VisitorExport> {
    return exportVisitor(this.#ctx, this.erasure, checkedVisitorId(visitorId));
  }

  async eraseVisitor(visitorId: string, { mode = 'delete' }: { mode?: EraseMode } = {}): Promise<ErasedCounts> {
    if (mode !== 'delete' && mode !== 'anonymize') throw new TypeError(`parley-chat: eraseVisitor's mode is 'delete' or 'anonymize'; not ${JSON.stringify(mode)}`);
    return this.erasure.eraseVisitor(checkedVisitorId(visitorId), mode);
  }

  sweep(): Promise<RetentionResult> {
    return this.#retention.sweep();
  }
}

function checkedVisitorId(visitorId: string): string {
  if (!isVisitorId(visitorId)) {
    throw new TypeError(`parley-chat: ${JSON.stringify(visitorId)} is not a visitor id; give the visitorId of their session event, or 'user:<id>' for a user of your app`);
  }
  return visitorId;
}
