import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './harness.js';

/**
 * A TCP load balancer on 127.0.0.1: each new connection goes to the next live upstream in turn,
 * skipping one that refuses, as a real one in front of several chat nodes would. WebSocket
 * clients keep their node for as long as their connection lives.
 */
export async function startLoadBalancer(ports: () => readonly number[]): Promise<{ url: string }> {
  let next = 0;
  const server: Server = createServer((client: Socket) => {
    client.pause();
    const candidates = [...ports()];
    const tryNext = (left: number) => {
      if (left === 0) {
        client.destroy();
        return;
      }
      const port = candidates[next++ % candidates.length]!;
      const upstream = connect(port, '127.0.0.1');
      upstream.once('error', () => tryNext(left - 1));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        upstream.on('error', drop).on('close', drop);
        client.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryNext(candidates.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
