import type { EraseMode } from '../protocol.js';
import { copied } from './copied.js';
import type { PendingDeletion, VisitorActivity } from './types.js';

/**
 * What `MemoryStore` keeps for privacy beside the chat itself: when visitors were last here and
 * their erasures, conversations whose deletion began, and leases. Grows with the visitors who
 * write, as the store's details of them do.
 */
export class MemoryBookkeeping {
  readonly #activity = new Map<string, VisitorActivity>();
  readonly #leases = new Map<string, { holder: string; until: number }>();
  readonly #deletions = new Map<string, PendingDeletion>();

  async visitorActivity(visitorId: string): Promise<VisitorActivity | null> {
    const activity = this.#activity.get(visitorId);
    return activity ? copied(activity) : null;
  }

  async visitorSeen(visitorId: string, at: Date): Promise<void> {
    const known = this.#activity.get(visitorId);
    this.#activity.set(visitorId, { erasedAt: null, erasing: null, ...known, lastSeenAt: new Date(at) });
  }

  async markErased(visitorId: string, at: Date, erasing: EraseMode | null): Promise<void> {
    const known = this.#activity.get(visitorId);
    this.#activity.set(
      visitorId,
      erasing ? { lastSeenAt: known?.lastSeenAt ?? null, erasedAt: new Date(at), erasing } : { lastSeenAt: null, erasedAt: known?.erasedAt ?? new Date(at), erasing: null },
    );
  }

  async inactiveVisitors(before: Date, limit: number): Promise<string[]> {
    return this.#visitorsWhere(({ lastSeenAt }) => lastSeenAt !== null && lastSeenAt < before, limit);
  }

  async unfinishedErasures(before: Date, limit: number): Promise<Array<{ visitorId: string; mode: EraseMode }>> {
    const visitorIds = this.#visitorsWhere(({ erasing, erasedAt }) => erasing !== null && erasedAt !== null && erasedAt < before, limit);
    return visitorIds.map((visitorId) => ({ visitorId, mode: this.#activity.get(visitorId)!.erasing! }));
  }

  #visitorsWhere(matches: (activity: VisitorActivity) => boolean, limit: number): string[] {
    const found = [];
    for (const [visitorId, activity] of this.#activity) {
      if (found.length >= limit) break;
      if (matches(activity)) found.push(visitorId);
    }
    return found;
  }

  async beginDeletion(deletion: PendingDeletion): Promise<void> {
    if (!this.#deletions.has(deletion.conversationId)) this.#deletions.set(deletion.conversationId, { ...deletion, at: new Date(deletion.at) });
  }

  async pendingDeletions(before: Date, limit: number): Promise<PendingDeletion[]> {
    return copied([...this.#deletions.values()].filter((deletion) => deletion.at < before).slice(0, limit));
  }

  async endDeletion(conversationId: string): Promise<void> {
    this.#deletions.delete(conversationId);
  }

  async lease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const current = this.#leases.get(name);
    if (current && current.holder !== holder && current.until > now.getTime()) return false;
    this.#leases.set(name, { holder, until: until.getTime() });
    return true;
  }
}
