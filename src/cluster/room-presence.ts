import { randomBytes } from 'node:crypto';
import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';

/** Presence changes are told at most this often per room: filling a room costs one update, not one per visitor. */
const ANNOUNCE_INTERVAL_MS = 500;
/** With several nodes, each repeats its counts this often, so a new node learns them... */
const HEARTBEAT_MS = 10_000;
/** ...and forgets the counts of a node it has not heard from for this long (it went away). */
const FORGET_AFTER_MS = 3 * HEARTBEAT_MS;

/**
 * Who is in each public room, kept as counts rather than recounted from every socket: a join or
 * a leave costs O(1), and the room hears of changes at most every ANNOUNCE_INTERVAL_MS. Each node
 * counts the distinct visitors of its own sockets and tells the other nodes its counts; a room's
 * online figure is the sum over the nodes (a visitor with tabs on two nodes counts twice). Never
 * waits on the adapter, so a Redis outage or a frozen node cannot hold up a join.
 */
export class RoomPresence {
  readonly #ctx: ChatContext;
  readonly #nodeId = randomBytes(8).toString('hex');
  /** room → visitor → this node's sockets of that visitor in the room */
  readonly #here = new Map<string, Map<string, number>>();
  /** room → node → its count and when it was heard */
  readonly #elsewhere = new Map<string, Map<string, { count: number; at: number }>>();
  readonly #changed = new Set<string>();
  #announceTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
  }

  /** Starts the heartbeat, when there are other nodes to tell. */
  start(): void {
    if (!this.#ctx.interNode.hasOtherNodes() || this.#heartbeat) return;
    this.#heartbeat = setInterval(() => {
      this.#tellCounts([...this.#here.keys()]);
      this.#forgetSilentNodes();
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  stop(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#announceTimer);
  }

  joined(room: string, visitorId: string): void {
    let visitors = this.#here.get(room);
    if (!visitors) this.#here.set(room, (visitors = new Map()));
    const sockets = visitors.get(visitorId) ?? 0;
    visitors.set(visitorId, sockets + 1);
    if (sockets === 0) this.#markChanged(room);
  }

  left(room: string, visitorId: string): void {
    const visitors = this.#here.get(room);
    const sockets = visitors?.get(visitorId);
    if (!visitors || sockets === undefined) return;
    if (sockets > 1) {
      visitors.set(visitorId, sockets - 1);
      return;
    }
    visitors.delete(visitorId);
    if (visitors.size === 0) this.#here.delete(room);
    this.#markChanged(room);
  }

  /** Visitors online in the room, on every node as far as this node knows. */
  count(room: string): number {
    let online = this.#here.get(room)?.size ?? 0;
    const nodes = this.#elsewhere.get(room);
    if (nodes) {
      const now = Date.now();
      for (const [node, { count, at }] of nodes) {
        if (now - at > FORGET_AFTER_MS) nodes.delete(node);
        else online += count;
      }
      if (nodes.size === 0) this.#elsewhere.delete(room);
    }
    return online;
  }

  /** Another node's counts: its clients joined or left, or its heartbeat. */
  heard(nodeId: string, counts: Array<[room: string, count: number]>): void {
    if (nodeId === this.#nodeId) return;
    const at = Date.now();
    for (const [room, count] of counts) {
      let nodes = this.#elsewhere.get(room);
      if (!nodes) this.#elsewhere.set(room, (nodes = new Map()));
      const before = nodes.get(nodeId)?.count;
      if (count > 0) nodes.set(nodeId, { count, at });
      else nodes.delete(nodeId);
      // This node's visitors in the room are told of the change; the other node tells its own.
      if (before !== count && this.#here.has(room)) this.#markChanged(room);
    }
  }

  /** Drops what nodes that went silent said, including of rooms nobody on this node is in. */
  #forgetSilentNodes(): void {
    const forgetBefore = Date.now() - FORGET_AFTER_MS;
    for (const [room, nodes] of this.#elsewhere) {
      for (const [node, { at }] of nodes) if (at < forgetBefore) nodes.delete(node);
      if (nodes.size === 0) this.#elsewhere.delete(room);
    }
  }

  #markChanged(room: string): void {
    this.#changed.add(room);
    this.#announceTimer ??= setTimeout(() => this.#announce(), ANNOUNCE_INTERVAL_MS);
  }

  /** Tells each changed room's visitors on this node the count, and the other nodes this node's counts. */
  #announce(): void {
    this.#announceTimer = undefined;
    const rooms = [...this.#changed];
    this.#changed.clear();
    const visitors = this.#ctx.visitorNamespace();
    for (const room of rooms) {
      if (!this.#here.has(room)) continue;
      visitors.local.to(channels.room(room)).emit('presence', { room, online: this.count(room) });
    }
    this.#tellCounts(rooms);
  }

  #tellCounts(rooms: string[]): void {
    if (rooms.length === 0 || !this.#ctx.interNode.hasOtherNodes()) return;
    this.#ctx.interNode.tell('presenceCounts', this.#nodeId, rooms.map((room) => [room, this.#here.get(room)?.size ?? 0]));
  }
}
