import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that a test can break: `cut()` drops every connection and refuses new
 * ones (a server that went away), `freeze()` keeps connections open but forwards nothing (a peer
 * that hangs), `restore()` forwards again. It keeps its port throughout, so clients reconnect to
 * the same address, as they would to a restarted server.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #state: 'up' | 'cut' | 'frozen';

  private constructor(target: { host: string; port: number }, state: 'up' | 'cut') {
    this.#target = target;
    this.#state = state;
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Starts a proxy to `target`; `down: true` starts it cut, like a server not up yet. */
  static async start(target: { host: string; port: number }, { down = false } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, down ? 'cut' : 'up');
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get state(): 'up' | 'cut' | 'frozen' {
    return this.#state;
  }

  cut(): void {
    this.#state = 'cut';
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  freeze(): void {
    this.#state = 'frozen';
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    const wasFrozen = this.#state === 'frozen';
    this.#state = 'up';
    if (!wasFrozen) return;
    for (const [client, upstream] of this.#pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #accept(client: Socket): void {
    // Cut: accepted and closed at once, which a client sees as a server that is not there.
    if (this.#state === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(this.#target.port, this.#target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (this.#state === 'frozen') {
      client.pause();
      upstream.pause();
    } else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }
}

/** Host and port of a `mongodb://` or `redis://` URL with a single host. */
export function hostAndPort(url: string): { host: string; port: number } {
  const match = /^[a-z+]+:\/\/(?:[^@/]*@)?([^:/?,]+):(\d+)/.exec(url);
  if (!match) throw new Error(`Cannot proxy ${url}: one host:port is needed`);
  return { host: match[1]!, port: Number(match[2]) };
}

/** The same URL pointing at the proxy instead. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  return url.replace(/^([a-z+]+:\/\/(?:[^@/]*@)?)[^:/?,]+:\d+/, `$1127.0.0.1:${proxy.port}`);
}
