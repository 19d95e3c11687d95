import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientId, connectMongo, quietLogger, request, startChat, type ChatClient, type RunningChat } from '../support/harness.js';
import { operatorsOptions } from '../support/operators.js';

// Consent to the chat's terms, through real sockets and the chat's MongoDB (the jongodb emulator
// on machines without mongod).

let db: mongoose.Connection;
let running: RunningChat;
let otherNode: RunningChat;
const TERMS = { required: true, version: '2026-12', text: 'We keep this conversation for a year. See our privacy notice.' };

beforeAll(async () => {
  db = await connectMongo();
  const options = { mongoose: db, operators: operatorsOptions(), files: {}, privacy: { consent: TERMS } };
  running = await startChat(options);
  otherNode = await startChat(options);
});

const say = (client: ChatClient, message = 'hello') => request(client, 'message', { inbox: 'support', message, clientId: clientId() });
const consentRows = (visitorId: string) => db.collection('chat_consents').find({ visitorId }).toArray();

async function inSupport(chat = running, options = {}): Promise<ChatClient> {
  const client = await chat.connect(options);
  await request(client, 'join', { inbox: 'support' });
  await request(client, 'join', { room: 'lobby' });
  return client;
}

describe('consent to the chat’s terms', () => {
  it('refuses messages, details and uploads with CONSENT_REQUIRED until the visitor agrees, then records it', async () => {
    const ann = await inSupport();
    expect(ann.session.consent).toEqual({ required: true, version: '2026-12', given: false, text: TERMS.text });

    expect(await say(ann)).toMatchObject({ ok: false, error: { code: 'CONSENT_REQUIRED' } });
    expect(await request(ann, 'message', { room: 'lobby', message: 'hi all', clientId: clientId() })).toMatchObject({
      ok: false,
      error: { code: 'CONSENT_REQUIRED' },
    });
    expect(await request(ann, 'userDetails', { name: 'Ann', email: 'ann@example.com' })).toMatchObject({ ok: false, error: { code: 'CONSENT_REQUIRED' } });
    const form = new FormData();
    form.append('file', new Blob(['notes']), 'notes.txt');
    const upload = await fetch(`${running.url}/chat/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${ann.session.token}` } });
    expect(upload.status).toBe(403);
    expect(await upload.json()).toMatchObject({ error: { code: 'CONSENT_REQUIRED' } });
    // Nothing was stored: no conversation, no details.
    expect(await db.collection('chat_conversations').countDocuments({ visitorId: ann.session.visitorId })).toBe(0);
    expect(await db.collection('chat_users').countDocuments({ visitorId: ann.session.visitorId })).toBe(0);

    // An old version, a hostile payload: refused, nothing recorded.
    expect(await request(ann, 'consent', { version: '2025-01' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(ann, 'consent', { version: { $ne: null } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(ann, 'consent', {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await consentRows(ann.session.visitorId)).toEqual([]);

    const before = Date.now();
    expect(await request(ann, 'consent', { version: '2026-12' })).toEqual({ ok: true, consent: { ...TERMS, given: true } });
    const [row] = await consentRows(ann.session.visitorId);
    // Where from, to its /24 (privacy.ipAddresses is 'truncated' by default).
    expect(row).toMatchObject({ version: '2026-12', address: '127.0.0.0/24' });
    expect(new Date(row!.givenAt).getTime()).toBeGreaterThanOrEqual(before - 1000);

    expect(await say(ann)).toMatchObject({ ok: true });
    expect(await request(ann, 'userDetails', { name: 'Ann', email: 'ann@example.com' })).toMatchObject({ ok: true });
  });

  it('knows the consent on every tab: a new tab, and one already open on another node', async () => {
    const bob = await inSupport();
    const elsewhere = await inSupport(otherNode, { auth: { token: bob.session.token } });
    expect(elsewhere.session.consent?.given).toBe(false);
    expect((await request(bob, 'consent', { version: '2026-12' })).ok).toBe(true);
    // The tab on the other node learns it from the store when it writes.
    expect(await say(elsewhere, 'from the other tab')).toMatchObject({ ok: true });
    const later = await inSupport(running, { auth: { token: bob.session.token } });
    expect(later.session.consent?.given).toBe(true);
  });

  it('asks again for a new version of the terms, keeping the earlier consent on record', async () => {
    const cleo = await inSupport();
    expect((await request(cleo, 'consent', { version: '2026-12' })).ok).toBe(true);
    const renewed = await startChat({ mongoose: db, operators: operatorsOptions(), privacy: { consent: { required: true, version: '2027-01' } } });
    const again = await inSupport(renewed, { auth: { token: cleo.session.token } });
    expect(again.session.consent).toEqual({ required: true, version: '2027-01', given: false });
    expect(await say(again)).toMatchObject({ ok: false, error: { code: 'CONSENT_REQUIRED' } });
    expect((await request(again, 'consent', { version: '2027-01' })).ok).toBe(true);
    expect(await say(again)).toMatchObject({ ok: true });
    expect((await consentRows(cleo.session.visitorId)).map((row) => row.version).sort()).toEqual(['2026-12', '2027-01']);
  });

  it('records consent without requiring it when `required` is false, and has no consent event without terms', async () => {
    const optional = await startChat({ mongoose: db, operators: operatorsOptions(), privacy: { consent: { required: false, version: 'v1' } } });
    const dan = await inSupport(optional);
    expect(dan.session.consent).toEqual({ required: false, version: 'v1', given: false });
    expect(await say(dan)).toMatchObject({ ok: true });
    expect((await request(dan, 'consent', { version: 'v1' })).ok).toBe(true);

    const plain = await startChat({ mongoose: db, operators: operatorsOptions() });
    const eve = await inSupport(plain);
    expect(eve.session.consent).toBeUndefined();
    expect(await request(eve, 'consent', { version: 'v1' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('keeps the whole address, or none, as privacy.ipAddresses says', async () => {
    for (const [ipAddresses, expected] of [['full', '127.0.0.1'], ['none', undefined]] as const) {
      const chat = await startChat({ mongoose: db, privacy: { consent: { required: true, version: 'v1' }, ipAddresses } });
      const visitor = await chat.connect();
      expect((await request(visitor, 'consent', { version: 'v1' })).ok).toBe(true);
      const [row] = await consentRows(visitor.session.visitorId);
      expect(row?.address).toBe(expected);
    }
    await expect(startChat({ mongoose: db, privacy: { ipAddresses: 'hashed' as never } })).rejects.toThrow(/privacy.ipAddresses/);
  });

  it('stores and logs no more of an address than privacy.ipAddresses allows, whatever the visitor does', async () => {
    const logger = quietLogger();
    const chat = await startChat({
      mongoose: db,
      operators: operatorsOptions(),
      files: {},
      trustProxy: true,
      allowedOrigins: ['https://shop.example'],
      logger,
      limits: { eventRate: { max: 8, perMs: 60_000 } },
      privacy: { consent: { required: true, version: 'v1' } },
    });
    const whole = '2001:db8:1234:5678:9abc:def0:1357:2468';
    const from = { extraHeaders: { 'x-forwarded-for': whole } };
    const visitor = await chat.connect(from);
    expect((await request(visitor, 'consent', { version: 'v1' })).ok).toBe(true);
    const [row] = await consentRows(visitor.session.visitorId);
    expect(row?.address).toBe('2001:db8:1234::/48');
    // What might be logged: refusals, hostile payloads, a forged token, a refused upload, a flood.
    await request(visitor, 'message', { inbox: 'support', message: { $gt: '' }, clientId: 'x' });
    await chat.connect({ ...from, auth: { token: 'forged.token' } });
    const form = new FormData();
    form.append('file', new Blob(['<html><script>alert(1)</script></html>']), 'page.html');
    await fetch(`${chat.url}/chat/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${visitor.session.token}`, 'x-forwarded-for': whole } });
    await chat.connect({ extraHeaders: { ...from.extraHeaders, origin: 'https://elsewhere.example' } }).catch(() => undefined);
    for (let i = 0; i < 12; i++) await request(visitor, 'history', { inbox: 'support' });
    expect(logger.lines.length).toBeGreaterThan(0);
    const everything = [
      ...logger.lines,
      ...(await Promise.all(['chat_consents', 'chat_users', 'chat_messages', 'chat_conversations', 'chat_visitors', 'chat_file_records'].map((name) => db.collection(name).find({}).toArray()))).map((docs) => JSON.stringify(docs)),
    ].join('\n');
    // Any more of it than its /48 would hold the fourth group on.
    expect(everything).not.toMatch(/1234:5678|5678:9abc|9abc:def0|def0:1357|1357:2468/i);
    expect(everything).not.toContain(whole);
  });

  it('refuses terms the host got wrong at start, with the fix in the message', async () => {
    await expect(startChat({ mongoose: db, privacy: { consent: { required: true, version: '' } } })).rejects.toThrow(/privacy.consent.version/);
    await expect(startChat({ mongoose: db, privacy: { consent: { required: 'yes', version: 'v1' } as never } })).rejects.toThrow(/privacy.consent.required/);
  });
});
