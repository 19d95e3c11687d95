import type { Namespace } from 'socket.io';
import type { Deadlines } from '../server/deadlines.js';

/** How long a count waits for the other nodes before answering with the best one known. */
const COUNT_TIMEOUT_MS = 500;
const MAX_REMEMBERED = 10_000;

interface SocketLike {
  data: unknown;
  rooms?: Iterable<string>;
}

/** This node's sockets in any of `channelNames`, from the adapter's own bookkeeping. */
function localSockets(namespace: Namespace, channelNames: string[]): SocketLike[] {
  const ids = new Set<string>();
  for (const channel of channelNames) for (const id of namespace.adapter.rooms.get(channel) ?? []) ids.add(id);
  return [...ids].flatMap((id) => namespace.sockets.get(id) ?? []);
}

/**
 * Who is online across every node: how many distinct people (operators of an inbox, the visitor
 * of a conversation) have a socket in some channels. Asks the adapter for the sockets of every
 * node, and answers within about half a second whatever the adapter does: a Redis outage or a
 * frozen peer node must never hold up or fail what asked. Then it answers with the last count
 * that arrived, and never fewer than this node sees itself. Never rejects.
 *
 * (Public rooms count their visitors differently, see room-presence.ts: there every join and
 * leave would otherwise ask every node.)
 */
export class OnlineCounter {
  readonly #namespace: () => Namespace;
  readonly #key: (data: Record<string, unknown>) => unknown;
  readonly #deadlines: Deadlines;
  readonly #lastCount = new Map<string, number>();

  /**
   * @param namespace read on every count (the server may be bound later)
   * @param key what makes two sockets the same person, e.g. the visitor id
   */
  constructor(namespace: () => Namespace, key: (data: Record<string, unknown>) => unknown, deadlines: Deadlines) {
    this.#namespace = namespace;
    this.#key = key;
    this.#deadlines = deadlines;
  }

  async count(channelNames: string[]): Promise<number> {
    return (await this.people(channelNames)).count;
  }

  /**
   * How many distinct people are in `channelNames`, and the socket data of one socket each (all
   * of them when every node answered, this node's own otherwise).
   */
  async people(channelNames: string[]): Promise<{ count: number; data: Array<Record<string, unknown>> }> {
    const cacheKey = channelNames.join('\n');
    const namespace = this.#namespace();
    const sockets = await this.#fetch(namespace, channelNames);
    if (sockets) {
      const data = this.#distinct(sockets);
      const count = data.length;
      // Only a fallback for when the nodes do not answer: bounded, and cheap to lose.
      if (count > 0 && this.#lastCount.size >= MAX_REMEMBERED) this.#lastCount.clear();
      if (count > 0) this.#lastCount.set(cacheKey, count);
      else this.#lastCount.delete(cacheKey);
      return { count, data };
    }
    const data = this.#distinct(localSockets(namespace, channelNames));
    return { count: Math.max(data.length, this.#lastCount.get(cacheKey) ?? 0), data };
  }

  /**
   * Which of `channelNames` have a socket in them on any node, asked of every node at once (one
   * request for a whole page of conversations); this node's own when the others do not answer.
   */
  async occupied(channelNames: string[]): Promise<Set<string>> {
    const occupied = new Set<string>();
    if (channelNames.length === 0) return occupied;
    const namespace = this.#namespace();
    const asked = new Set(channelNames);
    const sockets = await this.#fetch(namespace, channelNames);
    if (!sockets) {
      for (const channel of channelNames) if (namespace.adapter.rooms.get(channel)?.size) occupied.add(channel);
      return occupied;
    }
    for (const socket of sockets) for (const channel of socket.rooms ?? []) if (asked.has(channel)) occupied.add(channel);
    return occupied;
  }

  #fetch(namespace: Namespace, channelNames: string[]): Promise<SocketLike[] | undefined> {
    return this.#deadlines
      .within(namespace.in(channelNames).fetchSockets() as Promise<SocketLike[]>, COUNT_TIMEOUT_MS, () => undefined)
      .catch(() => undefined);
  }

  /** One socket's data per person. */
  #distinct(sockets: SocketLike[]): Array<Record<string, unknown>> {
    const byKey = new Map<unknown, Record<string, unknown>>();
    for (const socket of sockets) {
      const data = (socket.data ?? {}) as Record<string, unknown>;
      const key = this.#key(data);
      if (key && !byKey.has(key)) byKey.set(key, data);
    }
    return [...byKey.values()];
  }
}
