import type { Namespace } from 'socket.io';

/** How long a presence count waits for the other nodes before answering with the best one known. */
const COUNT_TIMEOUT_MS = 500;

interface SocketLike {
  data: unknown;
}

/**
 * The sockets in any of `rooms` on every node, or undefined when the adapter did not answer in
 * time. Presence is best effort: a Redis outage or a frozen peer node must never hold up or fail
 * what asked, so callers fall back to what this node knows.
 */
async function fetchAcrossNodes(namespace: Namespace, rooms: string[]): Promise<SocketLike[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      namespace.in(rooms).fetchSockets(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), COUNT_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** This node's sockets in any of `rooms`, from the adapter's own bookkeeping. */
function localSockets(namespace: Namespace, rooms: string[]): SocketLike[] {
  const ids = new Set<string>();
  for (const room of rooms) for (const id of namespace.adapter.rooms.get(room) ?? []) ids.add(id);
  return [...ids].flatMap((id) => namespace.sockets.get(id) ?? []);
}

function distinct(sockets: SocketLike[], key: (data: Record<string, unknown>) => unknown): number {
  return new Set(sockets.map((socket) => key((socket.data ?? {}) as Record<string, unknown>)).filter(Boolean)).size;
}

/**
 * Counts distinct keys (visitors, operators) among the sockets in some rooms across every node.
 * Answers within about half a second whatever the adapter does, with the last count that arrived
 * (and never fewer than this node sees itself) when the nodes do not answer. Never rejects.
 */
export class DistinctCounter {
  readonly #namespace: () => Namespace;
  readonly #key: (data: Record<string, unknown>) => unknown;
  readonly #lastCount = new Map<string, number>();

  /**
   * @param namespace read on every count (the server may be bound later)
   * @param key what makes two sockets the same person, e.g. the visitor id
   */
  constructor(namespace: () => Namespace, key: (data: Record<string, unknown>) => unknown) {
    this.#namespace = namespace;
    this.#key = key;
  }

  async count(rooms: string[]): Promise<number> {
    const cacheKey = rooms.join('\n');
    const namespace = this.#namespace();
    const sockets = await fetchAcrossNodes(namespace, rooms);
    if (sockets) {
      const count = distinct(sockets, this.#key);
      if (count > 0) this.#lastCount.set(cacheKey, count);
      else this.#lastCount.delete(cacheKey);
      return count;
    }
    return Math.max(distinct(localSockets(namespace, rooms), this.#key), this.#lastCount.get(cacheKey) ?? 0);
  }
}
