import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MessageAck } from 'parley-chat';
import { connectClient, mongoInfo, onCleanup, request } from './support/harness.js';
import { withDatabase } from '../demo/mongodb.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The code block that follows `<!-- readme-example:NAME -->` in the README. */
function readmeExample(name: string): string {
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  const match = new RegExp(`<!-- readme-example:${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README has no example marked readme-example:${name}`);
  return match[1]!;
}

describe('README', () => {
  it('the plain http.Server example works as written, through the built package', async () => {
    const code = readmeExample('http');
    expect(code.split('\n').filter((line) => line.trim()).length).toBeLessThanOrEqual(10);
    // Inside the package, so `import 'parley-chat'` resolves to the build by the package's own name.
    const dir = `${root}/test/.tmp`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/readme-http-${randomBytes(4).toString('hex')}.mjs`;
    writeFileSync(file, code);
    onCleanup(() => rmSync(file, { force: true }));

    const { uri } = mongoInfo();
    const child = spawn(process.execPath, [file], {
      env: {
        ...process.env,
        MONGODB_URI: withDatabase(uri, `parley_readme_${randomBytes(4).toString('hex')}`),
        CHAT_SECRET: 'readme-secret-that-is-at-least-32-characters',
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onCleanup(() => child.kill());
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`example printed no port; stderr: ${stderr}`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /port (\d+)/.exec(chunk.toString());
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`example exited with ${code}: ${stderr}`)));
    });

    const url = `http://127.0.0.1:${port}`;
    expect(await (await fetch(url)).text()).toBe('Your app');
    const widget = await fetch(`${url}/chat/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const [alice, bob] = await Promise.all([connectClient(url), connectClient(url)]);
    await request(alice, 'join', { room: 'lobby' });
    await request(bob, 'join', { room: 'lobby' });
    const received = new Promise((resolve) => bob.once('message', resolve));
    const ack = await request<MessageAck>(alice, 'message', { room: 'lobby', message: 'Hello!', clientId: 'readme-1' });
    expect(ack.ok).toBe(true);
    expect(await received).toMatchObject({ message: 'Hello!', sender: { id: alice.session.visitorId } });
  });
});
