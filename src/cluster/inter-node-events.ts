import type { Server } from 'socket.io';
import { Adapter as InMemoryAdapter } from 'socket.io-adapter';
import type { VisitorDetails } from '../protocol.js';

/**
 * Events between chat server nodes, through the Socket.IO adapter (`serverSideEmit`). With the
 * in-memory adapter there are no other nodes, and nothing is sent.
 */
export interface InterServerEvents {
  /** A visitor saved new details: their sockets on every node take the new name. */
  visitorUpdated(visitorId: string, name: string, details: VisitorDetails): void;
  /** A visitor's presence in a conversation changed on some node. */
  visitorOnline(conversationId: string, online: boolean): void;
  /** Operators of these inboxes (null: of every inbox) came or went: tell local visitors. */
  teamChanged(inboxes: string[] | null): void;
  /** A node's own visitor counts per room, on a change or as its heartbeat. */
  presenceCounts(nodeId: string, counts: Array<[room: string, count: number]>): void;
  /** A person took a conversation over (or it ended): the node writing the assistant's reply in it stops. */
  replyStopped(conversationId: string): void;
}

type InterNodeServer = Pick<Server<never, never, InterServerEvents>, 'of' | 'serverSideEmit' | 'on'>;

/**
 * Talks to the other nodes of the deployment. `io` is read on every call: the chat may be bound
 * to the host's Socket.IO server after it was created.
 */
export class InterNode {
  readonly #io: () => InterNodeServer;

  constructor(io: () => InterNodeServer) {
    this.#io = io;
  }

  /** Whether the adapter connects this node to others (the in-memory one would only print a warning). */
  hasOtherNodes(): boolean {
    return this.#io().of('/').adapter.serverSideEmit !== InMemoryAdapter.prototype.serverSideEmit;
  }

  /** Tells the other nodes, when there are any. */
  tell<E extends keyof InterServerEvents>(event: E, ...args: Parameters<InterServerEvents[E]>): void {
    if (this.hasOtherNodes()) this.#io().serverSideEmit(event, ...args);
  }

  /** What this node does when another tells it something. */
  listen(handlers: Partial<InterServerEvents>): void {
    const io = this.#io();
    for (const event of Object.keys(handlers) as Array<keyof InterServerEvents>) {
      io.on(event, handlers[event] as never);
    }
  }
}
