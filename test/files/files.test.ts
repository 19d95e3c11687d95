import { request as httpRequest } from 'node:http';
import type mongoose from 'mongoose';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChatError, type ChatFile, type MessageAck, type OpenAck, type UploadAck } from 'parley-chat';
import { clientId, connectMongo, request, startChat, type ChatClient, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';

// Files through the real HTTP path and real sockets, stored in GridFS on the test's MongoDB (the
// jongodb emulator on machines without mongod), with sharp installed (it is a dev dependency).

let db: mongoose.Connection;
let running: RunningChat;
let other: RunningChat;
const refused: string[] = [];

const PNG = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#0a7' } }).png().toBuffer();
const GPS_JPEG = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#a70' } })
  .jpeg()
  .withExif({ IFD0: { Copyright: 'the visitor' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '59/1 54/1 0/1' } })
  .toBuffer();

beforeAll(async () => {
  db = await connectMongo();
  const options = {
    mongoose: db,
    operators: operatorsOptions({ inboxes: ['support', 'sales'] }),
    files: {
      maxBytes: 1024 * 1024,
      maxPerMessage: 3,
      beforeStore: ({ name }: { name: string }) => {
        if (name.includes('EICAR')) {
          refused.push(name);
          throw new ChatError('VALIDATION', 'The file did not pass the virus scan');
        }
      },
    },
  };
  running = await startChat(options);
  // A second node on the same database, as behind a load balancer.
  other = await startChat(options);
});

afterEach(() => {
  vi.useRealTimers();
});

async function visitor(chat = running): Promise<ChatClient> {
  const client = await chat.connect();
  await request(client, 'join', { inbox: 'support' });
  return client;
}

async function upload(
  token: string | null,
  bytes: Uint8Array | string,
  name: string,
  declared = 'application/octet-stream',
  headers: Record<string, string> = {},
  chat = running,
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: declared }), name);
  const response = await fetch(`${chat.url}/chat/files`, {
    method: 'POST',
    body: form,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  return { status: response.status, body: await response.json() };
}

async function uploaded(client: ChatClient, bytes: Uint8Array | string, name: string, declared?: string): Promise<UploadAck['file']> {
  const { status, body } = await upload(client.session.token, bytes, name, declared);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.file;
}

const send = (client: ChatClient, files: string[], message = '', id = clientId(), retry = false) =>
  request<any>(client, 'message', { inbox: 'support', message, clientId: id, files, ...(retry ? { retry } : {}) });

const gridFsFiles = () => db.collection('chat_files.files').countDocuments({});
const get = (path: string, headers: Record<string, string> = {}, chat = running) => fetch(`${chat.url}${path}`, { headers });

describe('uploads', () => {
  it('stores a screenshot, sends it in a message, and serves it to the visitor whose message it is', async () => {
    const ann = await visitor();
    expect(ann.session.files).toEqual({ maxBytes: 1024 * 1024, maxPerMessage: 3, types: expect.arrayContaining(['image/png', 'application/pdf']) });
    const file = await uploaded(ann, PNG, 'screenshot.png', 'image/png');
    expect(file).toMatchObject({ name: 'screenshot.png', type: 'image/png', width: 640, height: 480 });

    const ack = await send(ann, [file.id], 'Here is the error');
    expect(ack.ok).toBe(true);
    const [sent] = ack.message.files!;
    expect(sent).toMatchObject({ id: file.id, name: 'screenshot.png', type: 'image/png', size: file.size, width: 640, height: 480 });
    expect(sent!.url).toMatch(new RegExp(`^/chat/files/${file.id}\\?r=v%3A`));
    expect(sent!.thumbnailUrl).toMatch(new RegExp(`^/chat/files/${file.id}/thumbnail\\?`));

    const response = await get(sent!.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(response.headers.get('content-disposition')).toMatch(/^inline; filename="screenshot.png"/);
    const served = Buffer.from(await response.arrayBuffer());
    expect(served.length).toBe(file.size);
    expect((await sharp(served).metadata()).width).toBe(640);

    const thumbnail = await get(sent!.thumbnailUrl!);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const small = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(Math.max(small.width!, small.height!)).toBe(320);

    // The history and a later join carry it, with fresh URLs.
    const history = await request(ann, 'history', { inbox: 'support', before: ack.message.seq + 1, limit: 1 });
    expect(history.messages[0].files[0]).toMatchObject({ id: file.id, url: expect.stringContaining('/chat/files/') });
  });

  it('serves ranges of a file, from any node of the deployment', async () => {
    const ann = await visitor();
    const text = 'line of text\n'.repeat(2000);
    const file = await uploaded(ann, text, 'log.txt', 'text/plain');
    const { message } = await send(ann, [file.id]);
    const url = message.files![0]!.url;

    const part = await get(url, { range: 'bytes=13-25' }, other);
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 13-25/${text.length}`);
    expect(await part.text()).toBe('line of text\n');
    const whole = await get(url, {}, other);
    expect(whole.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(whole.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(await whole.text()).toBe(text);
    expect((await get(url, { range: `bytes=${text.length}-` })).status).toBe(416);
  });

  it('takes the type from the content, not the name: a PNG named .pdf is a PNG, HTML named .png and SVG with a script are refused', async () => {
    const ann = await visitor();
    const renamed = await uploaded(ann, PNG, 'report.pdf', 'application/pdf');
    expect(renamed.type).toBe('image/png');

    const before = await gridFsFiles();
    const html = await upload(ann.session.token, '<!doctype html><html><script>fetch("/steal")</script></html>', 'cat.png', 'image/png');
    expect(html).toMatchObject({ status: 400, body: { ok: false, error: { code: 'VALIDATION' } } });
    const svg = await upload(ann.session.token, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'logo.svg', 'image/svg+xml');
    expect(svg).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: 'HTML, SVG and XML files are not accepted' } } });
    const svgAsText = await upload(ann.session.token, '  \n<svg onload="alert(1)"/>', 'notes.txt', 'text/plain');
    expect(svgAsText.status).toBe(400);
    const zip = await upload(ann.session.token, Buffer.from('504b0304140000000800', 'hex'), 'archive.zip', 'application/zip');
    expect(zip.status).toBe(400);
    const binary = await upload(ann.session.token, Buffer.from([0, 1, 2, 3, 0, 0, 7]), 'blob.txt', 'text/plain');
    expect(binary.status).toBe(400);
    // Text at first, something else later: refused, however far in.
    const laterBinary = await upload(ann.session.token, Buffer.concat([Buffer.alloc(400_000, 'a'), Buffer.from('MZ\u0000\u0003binary')]), 'invoice.txt', 'text/plain');
    expect(laterBinary).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: 'The file is not text throughout' } } });
    const laterScript = await upload(ann.session.token, `${'a'.repeat(9000)}<scr` + 'ipt>alert(1)</script>', 'notes.txt', 'text/plain');
    expect(laterScript).toMatchObject({ status: 400, body: { error: { message: 'HTML, SVG and XML files are not accepted' } } });
    // A PNG's signature over garbage: sharp cannot read it.
    const broken = await upload(ann.session.token, Buffer.concat([PNG.subarray(0, 64), Buffer.alloc(5000, 7)]), 'broken.png', 'image/png');
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: 'The image could not be read' } } });
    expect(await gridFsFiles()).toBe(before);
    // Text named like a program is saved as text; a name in any script stays as it was written.
    expect((await uploaded(ann, 'just text', 'invoice.exe', 'application/octet-stream')).name).toBe('invoice.exe.txt');
    expect((await uploaded(ann, 'строка', 'отчёт.txt', 'text/plain')).name).toBe('отчёт.txt');
  });

  it('removes the metadata of photos (EXIF GPS) and turns them upright', async () => {
    expect((await sharp(GPS_JPEG).metadata()).exif).toBeDefined();
    const ann = await visitor();
    const file = await uploaded(ann, GPS_JPEG, 'holiday.jpg', 'image/jpeg');
    const { message } = await send(ann, [file.id]);
    const served = Buffer.from(await (await get(message.files![0]!.url)).arrayBuffer());
    const metadata = await sharp(served).metadata();
    expect(metadata.format).toBe('jpeg');
    expect(metadata.exif).toBeUndefined();
    expect(served.includes(Buffer.from('the visitor'))).toBe(false);
  });

  it('refuses one byte over the limit with 413, and keeps nothing', async () => {
    const ann = await visitor();
    const before = await gridFsFiles();
    const over = await upload(ann.session.token, Buffer.alloc(1024 * 1024 + 1, 'a'), 'big.txt', 'text/plain');
    expect(over).toMatchObject({ status: 413, body: { ok: false, error: { code: 'TOO_LARGE' } } });
    const exactly = await upload(ann.session.token, Buffer.alloc(1024 * 1024, 'a'), 'fits.txt', 'text/plain');
    expect(exactly.status).toBe(200);
    expect(await gridFsFiles()).toBe(before + 1);
  });

  it('cuts off a 1 GB upload soon after the limit, without holding it in memory, and stays up', async () => {
    const ann = await visitor();
    const before = await gridFsFiles();
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const boundary = 'parleyboundary';
    // No Content-Length: the server cannot refuse it up front, only by counting.
    const result = await new Promise<{ status?: number; error?: string }>((resolve) => {
      const req = httpRequest(`${running.url}/chat/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann.session.token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode });
        req.destroy();
      });
      req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code }));
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.txt"\r\nContent-Type: text/plain\r\n\r\n`);
      const pump = () => {
        while (sent < 1024 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end(`\r\n--${boundary}--\r\n`);
      };
      pump();
    });
    expect(result.status ?? result.error).toSatisfy((outcome: unknown) => outcome === 413 || outcome === 'ECONNRESET' || outcome === 'EPIPE');
    // Cut off within a few megabytes of the 1 MB limit (what the sockets' buffers held), not 1 GB.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
    expect(await gridFsFiles()).toBe(before);
    // The chat, and the host, still answer.
    expect((await get('/chat/health')).status).toBe(200);
    expect((await get('/somewhere-else')).status).toBe(404);
  });

  it('lets the host refuse a file after it was stored (a virus scan), keeping nothing', async () => {
    const ann = await visitor();
    const before = await gridFsFiles();
    const scanned = await upload(ann.session.token, 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'EICAR.txt', 'text/plain');
    expect(scanned).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: 'The file did not pass the virus scan' } } });
    expect(refused).toEqual(['EICAR.txt']);
    expect(await gridFsFiles()).toBe(before);
  });

  it('counts uploads against the visitor’s message rate limit', async () => {
    const limited = await startChat({ mongoose: db, files: {}, limits: { messageRate: { max: 2, perMs: 60_000 } } });
    const dan = await limited.connect();
    expect((await upload(dan.session.token, 'one', 'a.txt', 'text/plain', {}, limited)).status).toBe(200);
    expect((await upload(dan.session.token, 'two', 'b.txt', 'text/plain', {}, limited)).status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob(['three']), 'c.txt');
    const third = await fetch(`${limited.url}/chat/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${dan.session.token}` } });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await third.json()).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('answers at once, not hangs, when a body parser of the host read the upload first', async () => {
    const ann = await visitor();
    const { createServer } = await import('node:http');
    const host = createServer((req, res) => {
      // The host's parser reads the body before the chat's handler sees the request.
      req.resume();
      req.on('end', () => running.chat.handler(req, res));
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const { port } = host.address() as { port: number };
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    const response = await fetch(`http://127.0.0.1:${port}/chat/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${ann.session.token}` }, signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'VALIDATION', message: expect.stringContaining('before body parsers') } });
    host.closeAllConnections();
    await new Promise((resolve) => host.close(resolve));
  });

  it('refuses uploads without a token, with a bad token, without a file, and not as multipart', async () => {
    const ann = await visitor();
    expect((await upload(null, PNG, 'a.png')).status).toBe(401);
    expect((await upload('not-a-token', PNG, 'a.png')).status).toBe(401);
    const noFile = await fetch(`${running.url}/chat/files`, { method: 'POST', body: new FormData(), headers: { authorization: `Bearer ${ann.session.token}` } });
    expect(noFile.status).toBe(400);
    const json = await fetch(`${running.url}/chat/files`, { method: 'POST', body: '{"file":1}', headers: { authorization: `Bearer ${ann.session.token}`, 'content-type': 'application/json' } });
    expect(json.status).toBe(400);
    expect((await fetch(`${running.url}/chat/files`, { method: 'PUT' })).status).toBe(405);
  });
});

describe('messages with files', () => {
  it('stores a retried message with files once, and no other message can take them', async () => {
    const ann = await visitor();
    const file = await uploaded(ann, PNG, 'once.png');
    const id = clientId();
    const first = await send(ann, [file.id], 'first try', id);
    const retried = await send(ann, [file.id], 'first try', id, true);
    expect(retried.message.id).toBe(first.message.id);
    expect(retried.message.files![0]!.id).toBe(file.id);
    const again = await send(ann, [file.id], 'a new message');
    expect(again).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('refuses files that are not the sender’s, unknown ids, too many, the same twice, and files where the chat takes none', async () => {
    const ann = await visitor();
    const bob = await visitor();
    const annsFile = await uploaded(ann, PNG, 'mine.png');
    expect(await send(bob, [annsFile.id])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await send(bob, ['AAAAAAAAAAAAAAAAAAAAAA'])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await send(bob, ['../../etc/passwd'])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await send(bob, [{ $ne: null } as never])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await send(ann, ['a', 'b', 'c', 'd'])).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { files: 'At most 3 files per message' } } });
    expect(await send(ann, [annsFile.id, annsFile.id])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await send(ann, [])).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { message: 'The message is empty' } } });
    // A message refused for one of its files takes none of them.
    expect(await send(ann, [annsFile.id, 'AAAAAAAAAAAAAAAAAAAAAA'])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // Nothing was stored by any of these: Ann can still send her file.
    expect((await send(ann, [annsFile.id])).ok).toBe(true);

    const textOnly = await startChat({ mongoose: db, operators: operatorsOptions() });
    const carl = await textOnly.connect();
    await request(carl, 'join', { inbox: 'support' });
    expect(carl.session.files).toBeUndefined();
    expect(await request(carl, 'message', { inbox: 'support', message: 'hi', clientId: clientId(), files: ['x'] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { files: 'This chat does not take files' } },
    });
    expect((await fetch(`${textOnly.url}/chat/files`, { method: 'POST' })).status).toBe(404);
  });

  it('catches up a message with files like any other, on another node', async () => {
    const ann = await visitor();
    const file = await uploaded(ann, PNG, 'caught-up.png');
    const before = await request(ann, 'join', { inbox: 'support' });
    const since = before.messages.at(-1)?.seq ?? 0;
    await send(ann, [file.id], 'while you were away');
    const tab = await other.connect({ auth: { token: ann.session.token } });
    const caughtUp = await request(tab, 'join', { inbox: 'support', since });
    const [message] = caughtUp.messages;
    expect(message.files[0]).toMatchObject({ id: file.id });
    expect((await get(message.files[0].url, {}, other)).status).toBe(200);
  });

  it('lets operators send files in replies and notes; the visitor never reads a note’s file', async () => {
    const ann = await visitor();
    const { conversation } = await send(ann, [], 'I need help');
    const olga = await connectOperator(running.url, 'olga');
    const opened = await request<OpenAck>(olga, 'open', { conversationId: conversation.id });
    expect(opened.ok).toBe(true);
    expect(olga.session.files?.maxPerMessage).toBe(3);

    const asOlga = { 'x-test-operator': 'olga' };
    const guide = await upload(null, 'Step 1: restart.\n', 'guide.txt', 'text/plain', asOlga);
    const internal = await upload(null, 'Customer since 2019\n', 'crm.txt', 'text/plain', asOlga);
    expect(guide.status).toBe(200);
    const reply = nextMessage(ann);
    const sent = await request(olga, 'message', { conversationId: conversation.id, message: 'Try this', clientId: clientId(), files: [guide.body.file.id] });
    expect(sent.ok).toBe(true);
    // The inbox's list can say what a message of files was.
    const listed = await request(olga, 'inbox', { inbox: 'support' });
    const summary = listed.conversations.find((item: { id: string }) => item.id === conversation.id);
    expect(summary.lastMessage.files).toEqual([expect.objectContaining({ id: guide.body.file.id, name: 'guide.txt' })]);
    const received = await reply;
    expect(received.files[0].url).toMatch(/\?r=v%3A/);
    expect(await (await get(received.files[0].url)).text()).toBe('Step 1: restart.\n');

    const note = await request(olga, 'message', { conversationId: conversation.id, message: '', clientId: clientId(), note: true, files: [internal.body.file.id] });
    expect(note.ok).toBe(true);
    const noteFile: ChatFile = note.message.files[0];
    expect(noteFile.url).toMatch(/\?r=t%3Asupport/);
    // With her own token, Ann cannot read it, signed or not.
    expect((await get(noteFile.url, { authorization: `Bearer ${ann.session.token}` })).status).toBe(403);
    expect((await get(`/chat/files/${noteFile.id}`, { authorization: `Bearer ${ann.session.token}` })).status).toBe(403);
    const history = await request(ann, 'history', { inbox: 'support', before: 1_000_000 });
    expect(history.messages.flatMap((message: any) => message.files ?? []).map((file: ChatFile) => file.id)).not.toContain(noteFile.id);
  });
});

describe('who may read a file', () => {
  it('answers guessed ids, another visitor’s token, a tampered or expired link, and an operator of another inbox with 401, 403 or 404', async () => {
    const ann = await visitor();
    const bob = await visitor();
    const file = await uploaded(ann, PNG, 'private.png');
    const { message, conversation } = await send(ann, [file.id], 'private');
    const url = message.files![0]!.url;

    // A guessed id: nothing without a signature, nothing at all for an id that is no file.
    expect((await get(`/chat/files/${file.id}`)).status).toBe(401);
    expect((await get('/chat/files/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await get('/chat/files/..%2F..%2Fetc')).status).toBe(404);
    // Bob, with his own token: not with Ann's link, nor by id.
    expect((await get(url, { authorization: `Bearer ${bob.session.token}` })).status).toBe(403);
    expect((await get(`/chat/files/${file.id}`, { authorization: `Bearer ${bob.session.token}` })).status).toBe(403);
    // Ann, by id with her token.
    expect((await get(`/chat/files/${file.id}`, { authorization: `Bearer ${ann.session.token}` })).status).toBe(200);
    // A link signed for Ann, given Bob's id instead: the signature no longer matches.
    const bobsId = bob.session.visitorId;
    expect((await get(url.replace(/r=v%3A[^&]+/, `r=v%3A${bobsId}`))).status).toBe(403);
    // Its expiry moved on: the signature no longer matches either.
    const expires = Number(new URL(url, running.url).searchParams.get('e'));
    expect((await get(url.replace(`e=${expires}`, `e=${expires + 3_600_000}`))).status).toBe(403);
    // (An expired link is refused: test/unit/file-links.test.ts, with a clock of its own.)

    // The team's link, opened by an operator of another inbox: refused.
    const olga = await connectOperator(running.url, 'olga');
    const opened = await request(olga, 'open', { conversationId: conversation.id });
    const teamUrl: string = opened.messages.find((m: { id: string }) => m.id === message.id).files[0].url;
    expect((await get(teamUrl, { 'x-test-operator': 'olga' })).status).toBe(200);
    expect((await get(teamUrl, { 'x-test-operator': 'sam' })).status).toBe(403);
    // Sam cannot open the conversation to get a link of his own.
    const sam = await connectOperator(running.url, 'sam');
    expect(await request(sam, 'open', { conversationId: conversation.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('follows the rooms policy when a visitor reads a room’s file with their token', async () => {
    const allowed = new Set<string>();
    const guarded = await startChat({ mongoose: db, files: {}, rooms: (_room, visitor) => allowed.has(visitor.id) });
    const ann = await guarded.connect();
    const eve = await guarded.connect();
    allowed.add(ann.session.visitorId);
    await request(ann, 'join', { room: 'members' });
    const fileOfAnn = await upload(ann.session.token, PNG, 'members-only.png', 'image/png', {}, guarded);
    const ack = await request(ann, 'message', { room: 'members', message: '', clientId: clientId(), files: [fileOfAnn.body.file.id] });
    expect(ack.ok).toBe(true);
    const byId = `/chat/files/${fileOfAnn.body.file.id}`;
    expect((await get(byId, { authorization: `Bearer ${ann.session.token}` }, guarded)).status).toBe(200);
    expect((await get(byId, { authorization: `Bearer ${eve.session.token}` }, guarded)).status).toBe(403);
    expect((await get(ack.message.files[0].url, { authorization: `Bearer ${eve.session.token}` }, guarded)).status).toBe(403);
  });

  it('deletes files never sent after 10 minutes; they cannot be sent then', async () => {
    const ann = await visitor();
    const kept = await uploaded(ann, PNG, 'kept.png');
    await send(ann, [kept.id]);
    const forgotten = await uploaded(ann, PNG, 'forgotten.png');
    const before = await gridFsFiles();
    expect(await running.chat.files.sweep()).toBe(0);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 11 * 60 * 1000);
    expect(await running.chat.files.sweep()).toBeGreaterThanOrEqual(1);
    vi.useRealTimers();
    // The file and its thumbnail are gone; the sent one stays.
    expect(await gridFsFiles()).toBeLessThanOrEqual(before - 2);
    expect(await db.collection('chat_files.files').countDocuments({ _id: forgotten.id as never })).toBe(0);
    expect(await db.collection('chat_files.files').countDocuments({ _id: kept.id as never })).toBe(1);
    expect(await send(ann, [forgotten.id])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('serves a room’s files to anyone in the room, and refuses a message with files before joining', async () => {
    const ann = await running.connect();
    const bob = await running.connect();
    await request(ann, 'join', { room: 'lobby' });
    await request(bob, 'join', { room: 'lobby' });
    const file = await uploaded(ann, PNG, 'shared.png');
    const seen = nextMessage(bob);
    const ack = await request<MessageAck>(ann, 'message', { room: 'lobby', message: '', clientId: clientId(), files: [file.id] });
    expect(ack.ok).toBe(true);
    const received = await seen;
    expect(received.files[0].url).toMatch(/\?r=r%3Alobby/);
    expect((await get(received.files[0].url, { authorization: `Bearer ${bob.session.token}` })).status).toBe(200);
    expect((await get(received.files[0].url, { method: 'HEAD' } as never)).status).toBe(200);
    const other = await uploaded(bob, PNG, 'elsewhere.png');
    expect(await request(bob, 'message', { room: 'not-joined', message: '', clientId: clientId(), files: [other.id] })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });
});

function nextMessage(client: ChatClient): Promise<any> {
  return new Promise((resolve) => client.once('message', resolve));
}
