import type { Namespace } from 'socket.io';

/** How long a join waits for the other nodes' count before answering with the best one known. */
const COUNT_TIMEOUT_MS = 500;

/**
 * Counts the distinct visitors in a room across every node. Presence is best effort: a Redis
 * outage or a frozen peer node must never hold up or fail a join, so the cross-node count is
 * bounded in time and falls back to the best count known (the last one that arrived, and never
 * fewer than this node sees itself).
 */
export class RoomPresence {
  readonly #namespace: () => Namespace;
  readonly #socketRoom: (room: string) => string;
  readonly #lastCount = new Map<string, number>();

  /**
   * @param namespace the chat's namespace, read on every count (the server may be bound later)
   * @param socketRoom the Socket.IO room a chat room lives in
   */
  constructor(namespace: () => Namespace, socketRoom: (room: string) => string) {
    this.#namespace = namespace;
    this.#socketRoom = socketRoom;
  }

  /** Never rejects, and answers within about half a second whatever the adapter does. */
  async count(room: string): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const sockets = await Promise.race([
        this.#namespace().in(this.#socketRoom(room)).fetchSockets(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('presence count timed out')), COUNT_TIMEOUT_MS);
        }),
      ]);
      const online = new Set(sockets.map((socket) => (socket.data as { visitorId: string }).visitorId)).size;
      if (online > 0) this.#lastCount.set(room, online);
      else this.#lastCount.delete(room);
      return online;
    } catch {
      return Math.max(this.#localCount(room), this.#lastCount.get(room) ?? 0);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counts and tells the room; never rejects. */
  async announce(room: string): Promise<number> {
    const online = await this.count(room);
    try {
      this.#namespace().to(this.#socketRoom(room)).emit('presence', { room, online });
    } catch {
      // An adapter that cannot publish right now: the next change announces again.
    }
    return online;
  }

  /** Distinct visitors of this node in the room, from the adapter's own bookkeeping. */
  #localCount(room: string): number {
    const namespace = this.#namespace();
    const visitors = new Set<string>();
    for (const id of namespace.adapter.rooms.get(this.#socketRoom(room)) ?? []) {
      const visitorId = (namespace.sockets.get(id)?.data as { visitorId?: string } | undefined)?.visitorId;
      if (visitorId) visitors.add(visitorId);
    }
    return visitors.size;
  }
}
