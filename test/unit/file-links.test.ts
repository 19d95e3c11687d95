import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol.js';
import { FileLinks } from '../../src/files/links.js';

const links = new FileLinks('a-secret-that-is-at-least-32-characters-long', '/chat', 15 * 60 * 1000);
const message: ChatMessage = {
  id: 'm1',
  room: 'support/c1',
  seq: 1,
  sender: { id: 'v_ann', name: 'Ann', role: 'visitor' },
  message: '',
  timestamp: new Date().toISOString(),
  clientId: 'c1',
  files: [{ id: 'f1', name: 'a.png', type: 'image/png', size: 3, url: 'files/f1', thumbnailUrl: 'files/f1/thumbnail' }],
};
const queryOf = (url: string) => new URL(url, 'http://chat.test').searchParams;

describe('signed file links', () => {
  it('signs a file for its reader, and checks the reader, the file and the expiry', () => {
    const [file] = links.message(message, 'v:v_ann').files!;
    expect(file!.url).toMatch(/^\/chat\/files\/f1\?r=v%3Av_ann&e=\d+&s=[\w-]+$/);
    expect(file!.thumbnailUrl).toMatch(/^\/chat\/files\/f1\/thumbnail\?/);
    const query = queryOf(file!.url);
    expect(links.verify('f1', query)).toBe('v:v_ann');
    // Another file, another reader, another expiry: refused.
    expect(links.verify('f2', query)).toBeNull();
    const otherReader = new URLSearchParams(query);
    otherReader.set('r', 'v:v_bob');
    expect(links.verify('f1', otherReader)).toBeNull();
    const later = new URLSearchParams(query);
    later.set('e', String(Number(query.get('e')) + 60_000));
    expect(links.verify('f1', later)).toBeNull();
  });

  it('expires: at least the TTL, at most five minutes more, then refused', () => {
    const query = queryOf(links.message(message, 't:support').files![0]!.url);
    const expires = Number(query.get('e'));
    expect(expires - Date.now()).toBeGreaterThanOrEqual(15 * 60 * 1000 - 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(20 * 60 * 1000);
    expect(links.verify('f1', query, expires - 1)).toBe('t:support');
    expect(links.verify('f1', query, expires)).toBeNull();
  });

  it('leaves messages without files as they are, and a link signed with another secret fails', () => {
    const plain = { ...message, files: undefined };
    const list = [plain];
    expect(links.messages(list, 'r:lobby')).toBe(list);
    const other = new FileLinks('another-secret-that-is-at-least-32-characters', '/chat', 15 * 60 * 1000);
    expect(links.verify('f1', queryOf(other.message(message, 'r:lobby').files![0]!.url))).toBeNull();
  });
});
