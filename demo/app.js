// The demo site: a plain Express app that mounts parley-chat the way the README shows. The shop's
// pages talk to the team (`inbox="support"`), where an assistant answers from the shop's FAQ while
// nobody of the team is online; /community keeps a public room, and /team is the team's inbox
// behind the demo's own sign-in.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import MongoStore from 'connect-mongo';
import express from 'express';
import session from 'express-session';
import { chatRoutes, createChatServer } from 'parley-chat/express';
import { faqAssistant, readFaq } from './faq-assistant.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

// The pages hold no inline script or style, so they run under a strict Content Security Policy,
// as a careful host site would serve them.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The demo's team: a real app would check its own users. Each operator reads the support inbox;
 * visitors see Alex's picture, and Sam's and Lee's initials. Lee leads the team, and is the one
 * whom `can: ['privacy']` lets export and erase a visitor's data, and `can: ['replies']` manage the
 * team's saved replies (everyone keeps personal ones).
 * @type {Record<string, { password: string, operator: import('parley-chat').OperatorIdentity }>}
 */
export const DEMO_OPERATORS = {
  alex: { password: 'alex-demo-pass', operator: { id: 'demo-alex', name: 'Alex', inboxes: ['support'], avatarUrl: '/avatars/alex.svg' } },
  sam: { password: 'sam-demo-pass', operator: { id: 'demo-sam', name: 'Sam', inboxes: ['support'] } },
  lee: { password: 'lee-demo-pass', operator: { id: 'demo-lee', name: 'Lee', inboxes: ['support'], can: ['privacy', 'replies'] } },
};

/**
 * Starts the demo site on `port` (0 for any free port) with the chat stored through `connection`;
 * `chatOptions` adds to or replaces the demo's createChatServer() options (`assistant: undefined`
 * for none). The team's sign-ins are kept in the same MongoDB, so they survive a restart and every
 * site on that database shares them. The assistant and the hours follow the environment: see
 * `demoSettings`.
 * @param {{
 *   connection: import('mongoose').Connection,
 *   port?: number,
 *   host?: string,
 *   chatOptions?: Partial<import('parley-chat').ChatServerOptions>,
 * }} options
 */
export async function startDemo({ connection, port = 3000, host, chatOptions = {} }) {
  const settings = demoSettings();
  const faq = readFaq(await readFile(new URL('./public/faq.html', import.meta.url), 'utf8'));
  // The assistant cites the FAQ on this site, whose address is known once it listens.
  let siteUrl = '';
  const app = express();
  // connect-mongo's types name the top-level `mongodb` package, here mongodb-memory-server's older copy
  // rather than mongoose's; at run time it only calls client.db().
  const client = /** @type {any} */ (connection.getClient());
  const sessions = session({
    // On the chat's own connection. Never close this store: its close() would close the MongoDB client
    // that connection uses.
    store: MongoStore.create({ client, dbName: connection.name, collectionName: 'demo_sessions' }),
    secret: await sessionSecret(connection),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  });
  const chat = createChatServer({
    mongoose: connection,
    secret: process.env.CHAT_SECRET ?? 'parley-chat-demo-secret-do-not-use-in-production',
    rooms: ['lobby'],
    // The chat reads the demo's sessions on its own connections, to know the team.
    middleware: [sessions],
    operators: {
      inboxes: ['support'],
      identify: ({ request }) => /** @type {any} */ (request).session?.operator ?? null,
    },
    ...(settings.assistantWhen
      ? {
          assistant: {
            name: 'Parley Assistant',
            inboxes: ['support'],
            when: settings.assistantWhen,
            reply: faqAssistant({ entries: faq, origin: () => siteUrl }),
          },
        }
      : {}),
    ...(settings.hours ? { hours: settings.hours } : {}),
    // Screenshots and files, in the demo's MongoDB (GridFS); sharp cleans and shrinks the pictures.
    files: {},
    // Visitors may delete their own conversation from the widget's menu.
    privacy: { visitorsCanDeleteConversations: true },
    ...chatOptions,
  });
  app.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    next();
  });
  app.use(chatRoutes(chat));
  app.use(sessions);

  app.get('/team', (req, res) => {
    if (/** @type {any} */ (req.session).operator) res.sendFile('team.html', { root: PUBLIC_DIR });
    else res.type('html').send(signInPage());
  });
  app.post('/team/sign-in', express.urlencoded({ extended: false }), (req, res, next) => {
    const username = String(req.body?.username ?? '');
    const member = Object.hasOwn(DEMO_OPERATORS, username) ? DEMO_OPERATORS[username] : undefined;
    if (!member || !samePassword(String(req.body?.password ?? ''), member.password)) {
      res.status(401).type('html').send(signInPage('That username and password do not match.'));
      return;
    }
    // A new session id at sign-in, so a session fixed before it gives an attacker nothing. Saved
    // before the redirect: express-session would send the cookie while MongoDB is still writing
    // the session, and the inbox could connect with a session not there yet.
    req.session.regenerate((error) => {
      if (error) return next(error);
      /** @type {any} */ (req.session).operator = member.operator;
      req.session.save((saveError) => (saveError ? next(saveError) : res.redirect(303, '/team')));
    });
  });
  app.post('/team/sign-out', (req, res) => {
    req.session.destroy(() => res.redirect(303, '/team'));
  });
  app.use(express.static(PUBLIC_DIR, { extensions: ['html'] }));

  await chat.ready();
  /** @type {import('node:http').Server} */
  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, host ?? '127.0.0.1', (error) => (error ? reject(error) : resolve(listening)));
  });
  chat.attach(server);
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  // The name the person asked for (`localhost` may have been bound as ::1), else a literal address.
  const shownHost =
    host === 'localhost' || address.address === '::' || address.address === '0.0.0.0'
      ? 'localhost'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  siteUrl = `http://${shownHost}:${address.port}`;
  return {
    chat,
    server,
    url: siteUrl,
    /** Closes the site and the chat; leaves the Mongoose connection open. */
    close: () =>
      Promise.all([
        new Promise((resolve) => {
          // close() drops the idle keep-alive connections once; a response still finishing then (its
          // session being saved) would keep its connection until the browser lets go of it.
          const dropIdle = setInterval(() => server.closeIdleConnections(), 100);
          server.close(() => {
            clearInterval(dropIdle);
            resolve(undefined);
          });
        }),
        // server.close() has begun closing the chat; this waits until it has.
        chat.close(),
      ]).then(() => undefined),
  };
}

/** The team's saved replies the demo starts with: type / in the inbox's composer to use them. */
export const DEMO_SAVED_REPLIES = [
  { shortcut: 'hello', text: 'Hi {{visitor.name}}, this is {{operator.name}} from the shop. How can I help?' },
  { shortcut: 'shipping', text: 'Orders ship within 2 working days; you get a tracking link by email as soon as yours leaves.' },
];

/**
 * Saves the demo's example replies for the whole team, as a host would from its own admin code.
 * Saving one again is harmless; one the team has since changed is left as they wrote it.
 * @param {import('parley-chat').ChatServer} chat
 */
export async function seedSavedReplies(chat) {
  for (const reply of DEMO_SAVED_REPLIES) {
    try {
      await chat.replies.save(reply);
    } catch (error) {
      // CONFLICT: the shortcut holds the team's own text now.
      if (/** @type {{ code?: string }} */ (error).code !== 'CONFLICT') throw error;
    }
  }
}

const WEEKDAYS = /** @type {const} */ (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const ASSISTANT_WHEN = /** @type {const} */ (['always', 'noOperatorOnline', 'outsideHours']);
const ANSWERS_WHEN = { always: 'every new conversation', noOperatorOnline: 'while nobody of the team is online', outsideHours: 'outside the hours' };

/**
 * What the environment asks of the demo's chat (each read at every start):
 * - DEMO_ASSISTANT=off: no assistant; DEMO_ASSISTANT_WHEN: when it answers a new conversation,
 *   `noOperatorOnline` (the default), `always` or `outsideHours` (needs DEMO_HOURS).
 * - DEMO_HOURS: the team's hours, e.g. `mon-fri 09:00-17:00, sat+sun 10:00-14:00`; without it the
 *   team has no hours and the chat is open around the clock. DEMO_TIMEZONE (default Europe/Oslo),
 *   DEMO_CLOSED (`2026-12-25,2026-12-26`) and DEMO_AWAY_MESSAGE go with it.
 * `summary` says in one line what was set, and is empty when nothing was.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{
 *   assistantWhen: (typeof ASSISTANT_WHEN)[number] | null,
 *   hours: import('parley-chat').HoursOptions | undefined,
 *   summary: string,
 * }}
 */
export function demoSettings(env = process.env) {
  const off = /^(off|false|no|0)$/i.test(env.DEMO_ASSISTANT?.trim() ?? '');
  const when = env.DEMO_ASSISTANT_WHEN?.trim() || 'noOperatorOnline';
  if (!ASSISTANT_WHEN.includes(/** @type {any} */ (when))) {
    throw new Error(`DEMO_ASSISTANT_WHEN is one of ${ASSISTANT_WHEN.join(', ')}, not ${JSON.stringify(when)}`);
  }
  const assistantWhen = off ? null : /** @type {(typeof ASSISTANT_WHEN)[number]} */ (when);
  const weekly = env.DEMO_HOURS?.trim() ? weeklyHours(env.DEMO_HOURS) : undefined;
  const closed = (env.DEMO_CLOSED ?? '').split(/[\s,]+/).filter(Boolean);
  if (!weekly && closed.length > 0) throw new Error('DEMO_CLOSED names days the team is out of its hours: set DEMO_HOURS too');
  if (!weekly && assistantWhen === 'outsideHours') throw new Error('DEMO_ASSISTANT_WHEN=outsideHours needs the hours in DEMO_HOURS');
  const timeZone = env.DEMO_TIMEZONE?.trim() || 'Europe/Oslo';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`DEMO_TIMEZONE is an IANA time zone such as Europe/Oslo or America/New_York, not ${JSON.stringify(timeZone)}`);
  }
  const awayMessage = env.DEMO_AWAY_MESSAGE?.trim();
  const hours = weekly && { timeZone, weekly, ...(closed.length ? { closed } : {}), ...(awayMessage ? { awayMessage } : {}) };

  const said = [];
  if (hours) said.push(`hours ${env.DEMO_HOURS?.trim()} (${timeZone})${closed.length ? `, closed ${closed.join(', ')}` : ''}`);
  if (off) said.push('no assistant');
  else if (env.DEMO_ASSISTANT_WHEN?.trim()) said.push(`the assistant answers ${ANSWERS_WHEN[assistantWhen ?? 'always']}`);
  return { assistantWhen, hours, summary: said.join('; ') };
}

/**
 * DEMO_HOURS as `hours.weekly`: openings separated by commas or semicolons, each days then times,
 * the days one (`sat`), a range (`mon-fri`) or several joined by `+` (`sat+sun`).
 * @param {string} text
 * @returns {import('parley-chat').HoursOptions['weekly']}
 */
function weeklyHours(text) {
  return text.split(/[;,]/).map((opening) => {
    const match = /^\s*([a-z+\s-]+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$/i.exec(opening);
    const days = match?.[1]?.toLowerCase().split('+').flatMap((part) => {
      const ends = part.split('-').map((day) => WEEKDAYS.indexOf(/** @type {any} */ (day.trim())));
      const [first = -1, last = first] = ends;
      if (ends.length > 2 || first < 0 || last < 0) return [undefined];
      const count = ((last - first + 7) % 7) + 1;
      return Array.from({ length: count }, (_, i) => WEEKDAYS[(first + i) % 7]);
    });
    if (!match || !days || days.includes(undefined)) {
      throw new Error(`DEMO_HOURS reads like "mon-fri 09:00-17:00, sat 10:00-14:00" (days ${WEEKDAYS.join(', ')}); "${opening.trim()}" is not that`);
    }
    const time = (/** @type {string} */ hhmm) => hhmm.padStart(5, '0');
    return { days: /** @type {import('parley-chat').Weekday[]} */ (days), from: time(match[2] ?? ''), to: time(match[3] ?? '') };
  });
}

/**
 * The secret that signs the demo's session cookies: SESSION_SECRET when set, else one made at the
 * first start and kept in the demo's MongoDB, so that cookies signed before a restart, or by
 * another node, are still accepted.
 * @param {import('mongoose').Connection} connection
 * @returns {Promise<string>}
 */
async function sessionSecret(connection) {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  const settings = /** @type {import('mongoose').Collection<{ _id: string, value: string }>} */ (
    connection.collection('demo_settings')
  );
  // Insert if absent, then read back whichever secret is stored: of several nodes starting at once,
  // one secret wins. The read is separate because the emulator's upserts may return no document.
  await settings.updateOne(
    { _id: 'sessionSecret' },
    { $setOnInsert: { value: randomBytes(32).toString('base64url') } },
    { upsert: true },
  );
  const stored = await settings.findOne({ _id: 'sessionSecret' });
  if (typeof stored?.value !== 'string') throw new Error('The demo could not keep its session secret in MongoDB');
  return stored.value;
}

/**
 * @param {string} given
 * @param {string} expected
 */
function samePassword(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The team's sign-in form; `error` is one of this file's own messages, never user input. */
function signInPage(error = '') {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Team sign-in — parley-chat demo</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/site.css" />
  </head>
  <body>
    <header class="site-header">
      <a class="brand" href="/">Parley Outdoor Co.</a>
      <nav><a href="/">Shop</a> <a href="/faq">FAQ</a> <a href="/support">Support</a> <a href="/community">Community</a> <a href="/team" aria-current="page">Team</a></nav>
    </header>
    <main>
      <h1>Team sign-in</h1>
      <p>The team's inbox is for the shop's staff. In this demo, sign in as <strong>alex</strong> or <strong>sam</strong>, or as <strong>lee</strong>, who leads the team and may also export and erase a visitor's data (the passwords are printed when the demo starts).</p>
      <form class="sign-in" method="post" action="/team/sign-in">
        ${error ? `<p class="form-error" role="alert">${error}</p>` : ''}
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </main>
  </body>
</html>`;
}
