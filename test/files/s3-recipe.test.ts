import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatFile, MessageAck } from 'parley-chat';
import { withDatabase } from '../../demo/mongodb.js';
import type { FileStore } from '../../src/files/file-store.js';
import { clientId, connectClient, mongoInfo, onCleanup, request } from '../support/harness.js';
import { startNodeProcess } from '../support/processes.js';

// The README's recipe for files on S3, run as written against s3rver: a local stand-in for S3 (the
// real service cannot be reached from the tests). What s3rver does not do, and so what only real S3
// would show, is said where it matters: it checks no V4 signature (only a presigned URL's expiry),
// and it answers AbortMultipartUpload with 405, keeping the aborted parts in its directory.

// The SDK warns on Node 20 about its versions from 2027 on; the README says so, the tests need not.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');

/** The ```js block after `<!-- readme-example:NAME -->` in the README. */
function readmeExample(name: string): string {
  const match = new RegExp(`<!-- readme-example:${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)^\`\`\``, 'm').exec(readme);
  if (!match) throw new Error(`README has no example marked readme-example:${name}`);
  return match[1]!;
}

// s3rver ships no types: the little of it used here.
interface S3rver {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer: HttpServer;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rver;

const BUCKET = 'parley-files';
const MiB = 1024 * 1024;

/** A request s3rver answered: the method, the object's key, the names of the query's parameters, the status. */
interface S3Request {
  method: string;
  key: string;
  query: string[];
  status: number;
}

let endpoint: string;
let requests: S3Request[];
let client: S3Client;
let recipeDir: string;
let s3FileStore: (options: { client: S3Client; bucket: string; prefix?: string }) => FileStore;
let store: FileStore;

beforeAll(async () => {
  const directory = mkdtempSync(`${tmpdir()}/parley-s3rver-`);
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await s3.run();
  onCleanup(async () => {
    s3.httpServer.closeAllConnections();
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  });
  endpoint = `http://127.0.0.1:${port}`;
  // Every request s3rver answers, to see what the recipe asked of it.
  requests = [];
  s3.httpServer.prependListener('request', (req, res) => {
    const url = new URL(req.url!, endpoint);
    res.once('finish', () =>
      requests.push({
        method: req.method!,
        key: decodeURIComponent(url.pathname.slice(`/${BUCKET}/`.length)),
        query: [...url.searchParams.keys()].filter((name) => name !== 'x-id'),
        status: res.statusCode,
      }),
    );
  });
  // As for AWS: the SDK's default checksums, the region and keys given; s3rver knows the key S3RVER.
  client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  onCleanup(() => client.destroy());

  // The recipe's module, as a file of its own inside the package so its imports resolve as a user's would.
  recipeDir = `${root}/test/.tmp/s3-recipe-${randomBytes(4).toString('hex')}`;
  mkdirSync(recipeDir, { recursive: true });
  onCleanup(() => rmSync(recipeDir, { recursive: true, force: true }));
  writeFileSync(`${recipeDir}/s3-file-store.js`, readmeExample('files-s3-store'));
  ({ s3FileStore } = await import(pathToFileURL(`${recipeDir}/s3-file-store.js`).href));
  store = s3FileStore({ client, bucket: BUCKET });
});

let counter = 0;
/** A fresh file id, as the chat makes them ([A-Za-z0-9_-]). */
const freshId = () => `f${Date.now().toString(36)}_${(counter++).toString(36)}-${randomBytes(3).toString('hex')}`;

/**
 * A byte stream of `bytes` in pieces of 64 KiB, of no length known in advance (as an upload the chat
 * passes on), failing with `failure` (or destroyed, with 'destroy') after `failAfter` bytes when given.
 */
function uploadStream(bytes: Buffer, fail?: { after: number; with: Error | 'destroy' }): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (fail && offset >= fail.after) {
        this.destroy(fail.with === 'destroy' ? undefined : fail.with);
        return;
      }
      const end = Math.min(offset + 64 * 1024, fail ? fail.after : bytes.length, bytes.length);
      if (offset >= bytes.length) {
        this.push(null);
        return;
      }
      this.push(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

async function readAll(stream: Readable | null): Promise<Buffer> {
  if (!stream) throw new Error('no such file');
  return Buffer.concat(await stream.toArray());
}

/** The objects under the recipe's default prefix whose key contains `id`. */
async function listed(id: string): Promise<string[]> {
  const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'chat-files/' }));
  return Contents.map((object) => object.Key!).filter((key) => key.includes(id));
}

const requestsFor = (id: string) => requests.filter((request) => request.key === `chat-files/${id}`);

describe('README recipe: files on S3 or an S3-compatible service (against s3rver)', () => {
  it('puts a stream of unknown length in parts, gets it whole and by range, and deletes it', async () => {
    const bytes = randomBytes(12 * MiB + 321);
    const id = freshId();
    await store.put(id, uploadStream(bytes), { type: 'image/png', name: 'screenshot.png' });

    // 12 MiB in parts of 5 MiB: one multipart upload of three parts, completed.
    expect(requestsFor(id).map(({ method, query, status }) => [method, query.sort().join('&'), status])).toEqual([
      ['POST', 'uploads', 200],
      ['PUT', 'partNumber&uploadId', 200],
      ['PUT', 'partNumber&uploadId', 200],
      ['PUT', 'partNumber&uploadId', 200],
      ['POST', 'uploadId', 200],
    ]);
    expect(await listed(id)).toEqual([`chat-files/${id}`]);

    expect((await readAll(await store.get(id))).equals(bytes)).toBe(true);
    // Ranges are inclusive at both ends: across the first part's end, and the very last byte.
    const across = { start: 5 * MiB - 10, end: 5 * MiB + 9 };
    expect((await readAll(await store.get(id, across))).equals(bytes.subarray(across.start, across.end + 1))).toBe(true);
    const last = bytes.length - 1;
    expect((await readAll(await store.get(id, { start: last, end: last }))).equals(bytes.subarray(last))).toBe(true);

    await store.delete(id);
    expect(await store.get(id)).toBeNull();
    expect(await listed(id)).toEqual([]);
    await expect(store.delete(id)).resolves.toBeUndefined();
  });

  it('puts a small file in one request, with its type', async () => {
    const bytes = Buffer.from('order;total\n1234;56.00\n');
    const id = freshId();
    await store.put(id, uploadStream(bytes), { type: 'text/csv', name: 'orders.csv' });
    expect(requestsFor(id).map(({ method, query }) => [method, query.join('&')])).toEqual([['PUT', '']]);
    expect((await readAll(await store.get(id))).equals(bytes)).toBe(true);
    const { ContentType } = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `chat-files/${id}` }));
    expect(ContentType).toBe('text/csv');
  });

  it('answers null for a file that is not there', async () => {
    expect(await store.get(freshId())).toBeNull();
    expect(await store.get(freshId(), { start: 0, end: 9 })).toBeNull();
  });

  it('keeps nothing of a put whose stream fails after parts were stored: it aborts the multipart upload', async () => {
    const bytes = randomBytes(12 * MiB);
    const id = freshId();
    const cut = new Error('cut by the chat: too large');
    // With the stream's own error, which the chat answers by (413 for this one), whatever the abort did.
    await expect(
      store.put(id, uploadStream(bytes, { after: 11 * MiB, with: cut }), { type: 'image/png', name: 'big.png' }),
    ).rejects.toBe(cut);

    // Two parts were stored before the stream failed; then the upload was aborted, never completed.
    const asked = requestsFor(id).map(({ method, query }) => [method, query.sort().join('&')]);
    expect(asked).toEqual([
      ['POST', 'uploads'],
      ['PUT', 'partNumber&uploadId'],
      ['PUT', 'partNumber&uploadId'],
      ['DELETE', 'uploadId'],
    ]);
    // s3rver does not implement AbortMultipartUpload (405): the parts stay in its directory; S3 deletes them.
    expect(requestsFor(id).at(-1)!.status).toBe(405);
    expect(await store.get(id)).toBeNull();
    expect(await listed(id)).toEqual([]);
  });

  it.each([
    ['errors', new Error('refused by beforeStore')],
    ['is destroyed', 'destroy' as const],
  ])('keeps nothing of a put whose stream %s before its first part: nothing was sent', async (_how, failure) => {
    const id = freshId();
    const put = store.put(id, uploadStream(randomBytes(3 * MiB), { after: MiB, with: failure }), { type: 'application/pdf', name: 'a.pdf' });
    if (failure instanceof Error) await expect(put).rejects.toBe(failure);
    else await expect(put).rejects.toThrow();
    expect(requestsFor(id)).toEqual([]);
    expect(await store.get(id)).toBeNull();
  });

  it('gives a presigned URL that serves the bytes with the type and disposition given, until it expires', async () => {
    const bytes = randomBytes(6 * MiB + 7);
    const id = freshId();
    await store.put(id, uploadStream(bytes), { type: 'application/pdf', name: 'Rapport été.pdf' });
    const disposition = `attachment; filename="Rapport ete.pdf"; filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.pdf`;
    const url = await store.url!(id, { type: 'application/pdf', name: 'Rapport été.pdf', disposition, expiresInSeconds: 90 });

    const signed = new URL(url);
    expect(`${signed.origin}${signed.pathname}`).toBe(`${endpoint}/${BUCKET}/chat-files/${id}`);
    // Signed (s3rver checks no V4 signature, real S3 does), for as long as asked, with the overrides in what is signed.
    expect(signed.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(signed.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(signed.searchParams.get('X-Amz-Expires')).toBe('90');
    expect(signed.searchParams.get('response-content-type')).toBe('application/pdf');
    expect(signed.searchParams.get('response-content-disposition')).toBe(disposition);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);

    // An image, inline, for one second: served at once, refused once the second is over.
    const image = freshId();
    await store.put(image, uploadStream(Buffer.from('not really a png')), { type: 'image/png', name: 'shot.png' });
    const brief = await store.url!(image, { type: 'image/png', name: 'shot.png', disposition: 'inline', expiresInSeconds: 1 });
    const served = await fetch(brief);
    expect([served.status, served.headers.get('content-type'), served.headers.get('content-disposition')]).toEqual([200, 'image/png', 'inline']);
    await expect.poll(async () => (await fetch(brief)).status, { timeout: 5000, interval: 250 }).toBe(403);
  });
});

/** A free port on this machine, for the README's server, which listens on process.env.PORT. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Uploads `bytes` as the one file of a multipart POST, as the widget does, with the visitor's token. */
function upload(url: string, token: string, bytes: Buffer, name: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  return fetch(`${url}/chat/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
}

/** Follows the chat's redirect for a file's signed URL: where it sent the reader, and what was served there. */
async function download(url: string, path: string) {
  const redirect = await fetch(`${url}${path}`, { redirect: 'manual' });
  const location = redirect.headers.get('location') ?? '';
  const served = await fetch(location);
  return {
    status: redirect.status,
    location,
    served: served.status,
    type: served.headers.get('content-type'),
    disposition: served.headers.get('content-disposition'),
    bytes: Buffer.from(await served.arrayBuffer()),
  };
}

describe("README recipe: the chat's files on S3, the server as written (against s3rver)", () => {
  let url: string;

  beforeAll(async () => {
    writeFileSync(`${recipeDir}/server.mjs`, readmeExample('files-s3'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const server = await startNodeProcess(`${recipeDir}/server.mjs`, [], {
      env: {
        MONGODB_URI: withDatabase(mongoInfo().uri, `parley_s3_${randomBytes(4).toString('hex')}`),
        CHAT_SECRET: 'readme-secret-that-is-at-least-32-characters',
        PORT: String(port),
        S3_ENDPOINT: endpoint,
        S3_BUCKET: BUCKET,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
    for (const giveUp = Date.now() + 15_000; (await fetch(`${url}/chat/health`).catch(() => undefined))?.status !== 200; ) {
      if (Date.now() > giveUp) throw new Error(`the README's server did not answer /chat/health within 15 s:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it('stores uploads in the bucket through the recipe, and sends readers to presigned URLs that serve them', async () => {
    const visitor = await connectClient(url);
    expect(visitor.session.files).toMatchObject({ maxBytes: 10 * MiB });

    // A PDF of 6 MiB: through the chat into the bucket in two parts, kept byte for byte.
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(6 * MiB), Buffer.from('\n%%EOF\n')]);
    const uploaded = await upload(url, visitor.session.token, pdf, 'Invoice 1234.pdf');
    expect(uploaded.status).toBe(200);
    const { file } = (await uploaded.json()) as { file: { id: string } };
    expect(file).toMatchObject({ name: 'Invoice 1234.pdf', type: 'application/pdf', size: pdf.length });
    expect(requestsFor(file.id).filter((request) => request.method === 'PUT').length).toBe(2);

    // An image: cleaned by the chat, with a thumbnail made from what the recipe's get reads back.
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c03' } }).png().toBuffer();
    const image = (await (await upload(url, visitor.session.token, png, 'shot.png')).json()) as { file: { id: string } };
    expect(image.file).toMatchObject({ type: 'image/png', width: 64, height: 48 });

    await request(visitor, 'join', { room: 'lobby' });
    const sent = await request<MessageAck>(visitor, 'message', {
      room: 'lobby',
      message: 'The invoice, and the error',
      files: [file.id, image.file.id],
      clientId: clientId(),
    });
    if (!sent.ok) throw new Error(`message refused: ${JSON.stringify(sent.error)}`);
    const [invoice, shot] = sent.message.files as [ChatFile, ChatFile];

    // The chat checks the signed URL, then redirects to the bucket; the presigned URL serves the file.
    const got = await download(url, invoice.url);
    expect([302, 303, 307]).toContain(got.status);
    expect(got.location.startsWith(`${endpoint}/${BUCKET}/chat-files/${file.id}?`)).toBe(true);
    expect(got).toMatchObject({ served: 200, type: 'application/pdf' });
    expect(got.disposition).toMatch(/^attachment; filename="Invoice 1234.pdf"/);
    expect(got.bytes.equals(pdf)).toBe(true);

    const picture = await download(url, shot.url);
    expect(picture).toMatchObject({ served: 200, type: 'image/png' });
    expect(picture.disposition).toMatch(/^inline; /);
    expect((await sharp(picture.bytes).metadata()).format).toBe('png');
    const thumbnail = await download(url, shot.thumbnailUrl!);
    expect(thumbnail).toMatchObject({ served: 200, type: 'image/webp' });
    expect((await sharp(thumbnail.bytes).metadata()).format).toBe('webp');

    // Without the chat's signature, no redirect to the bucket.
    const unsigned = await fetch(`${url}/chat/files/${file.id}`, { redirect: 'manual' });
    expect(unsigned.headers.get('location')).toBeNull();
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
  });

  it('answers an upload cut at the limit 413 TOO_LARGE, its multipart upload aborted and nothing in the bucket', async () => {
    const visitor = await connectClient(url);
    const keys = async () => {
      const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      return Contents.map((object) => object.Key).sort();
    };
    const before = await keys();
    const since = requests.length;
    // One byte over 10 MiB: within what the chat lets through by its declared length, so it is cut as it streams.
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(10 * MiB - 8)]);
    const refused = await upload(url, visitor.session.token, pdf, 'huge.pdf');
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    // Parts were stored, then the upload aborted (s3rver answers that 405, S3 deletes the parts), never completed.
    const asked = requests.slice(since).map(({ method, query }) => `${method} ${query.sort().join('&')}`);
    expect(asked).toContain('POST uploads');
    expect(asked).toContain('DELETE uploadId');
    expect(asked).not.toContain('POST uploadId');
    expect(await keys()).toEqual(before);
  });
});
