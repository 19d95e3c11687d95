// The demo site: a plain Express app that mounts parley-chat the way the README shows. The shop's
// pages talk to the team (`inbox="support"`), /community keeps a public room, and /team is the
// team's inbox behind the demo's own sign-in.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express from 'express';
import session from 'express-session';
import { chatRoutes, createChatServer } from 'parley-chat/express';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
/** Signs the demo's session cookies; one per process, so every node of `--nodes` shares it. */
const SESSION_SECRET = randomBytes(32).toString('base64url');

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
 * The demo's team: a real app would check its own users. Each operator reads the support inbox.
 * @type {Record<string, { password: string, operator: import('parley-chat').OperatorIdentity }>}
 */
export const DEMO_OPERATORS = {
  alex: { password: 'alex-demo-pass', operator: { id: 'demo-alex', name: 'Alex', inboxes: ['support'] } },
  sam: { password: 'sam-demo-pass', operator: { id: 'demo-sam', name: 'Sam', inboxes: ['support'] } },
};

/**
 * Starts the demo site on `port` (0 for any free port) with the chat stored through `connection`;
 * `chatOptions` adds to or replaces the demo's createChatServer() options.
 * @param {{
 *   connection: import('mongoose').Connection,
 *   port?: number,
 *   host?: string,
 *   chatOptions?: Partial<import('parley-chat').ChatServerOptions>,
 *   sessionStore?: import('express-session').Store,
 * }} options
 */
export async function startDemo({ connection, port = 3000, host, chatOptions = {}, sessionStore }) {
  const app = express();
  const sessions = session({
    ...(sessionStore ? { store: sessionStore } : {}),
    secret: process.env.SESSION_SECRET ?? SESSION_SECRET,
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
  app.post('/team/sign-in', express.urlencoded({ extended: false }), (req, res) => {
    const username = String(req.body?.username ?? '');
    const member = Object.hasOwn(DEMO_OPERATORS, username) ? DEMO_OPERATORS[username] : undefined;
    if (!member || !samePassword(String(req.body?.password ?? ''), member.password)) {
      res.status(401).type('html').send(signInPage('That username and password do not match.'));
      return;
    }
    // A new session id at sign-in, so a session fixed before it gives an attacker nothing.
    req.session.regenerate(() => {
      /** @type {any} */ (req.session).operator = member.operator;
      res.redirect(303, '/team');
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
  return {
    chat,
    server,
    url: `http://${address.address === '::' ? 'localhost' : address.address}:${address.port}`,
    /** Closes the site and the chat; leaves the Mongoose connection open. */
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
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
      <nav><a href="/">Shop</a> <a href="/support">Support</a> <a href="/community">Community</a> <a href="/team" aria-current="page">Team</a></nav>
    </header>
    <main>
      <h1>Team sign-in</h1>
      <p>The team's inbox is for the shop's staff. In this demo, sign in as <strong>alex</strong> or <strong>sam</strong> (the passwords are printed when the demo starts).</p>
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
