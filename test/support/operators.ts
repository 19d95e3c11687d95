import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type {
  ChatHandshake,
  OperatorClientToServerEvents,
  OperatorIdentity,
  OperatorServerToClientEvents,
  OperatorSessionEvent,
  OperatorsOptions,
} from 'parley-chat';
import { connectWithSession } from './harness.js';

export type OperatorClient = Socket<OperatorServerToClientEvents, OperatorClientToServerEvents> & {
  session: OperatorSessionEvent;
};

/**
 * The team of the tests, recognised the way a host recognises its staff: by a header its own
 * login would set (a session cookie in a real app). `support` is the only inbox, unless a test
 * names others.
 */
export const TEAM: Record<string, OperatorIdentity> = {
  olga: { id: 'u-olga', name: 'Olga' },
  omar: { id: 'u-omar', name: 'Omar' },
  otto: { id: 'u-otto', name: 'Otto' },
  // Reads the sales inbox only.
  sam: { id: 'u-sam', name: 'Sam', inboxes: ['sales'] },
  // May export and erase visitors' data.
  pia: { id: 'u-pia', name: 'Pia', can: ['privacy'] },
  // The same, in the sales inbox only.
  paz: { id: 'u-paz', name: 'Paz', inboxes: ['sales'], can: ['privacy'] },
  // Manages the team's saved replies.
  rex: { id: 'u-rex', name: 'Rex', can: ['replies'] },
  // The same, in the sales inbox only.
  ria: { id: 'u-ria', name: 'Ria', inboxes: ['sales'], can: ['replies'] },
};

export function teamIdentify({ headers }: ChatHandshake): OperatorIdentity | null {
  const who = headers['x-test-operator'];
  return typeof who === 'string' ? (TEAM[who] ?? null) : null;
}

export function operatorsOptions(extra: Partial<OperatorsOptions> = {}): OperatorsOptions {
  return { identify: teamIdentify, ...extra };
}

/** Connects to `/operators` as a member of TEAM and resolves once its `session` arrived. */
export async function connectOperator(
  url: string,
  who: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<OperatorClient> {
  const { socket, session } = await connectWithSession<OperatorSessionEvent>(`${url}/operators`, {
    extraHeaders: { 'x-test-operator': who },
    ...options,
  });
  return Object.assign(socket, { session }) as OperatorClient;
}
