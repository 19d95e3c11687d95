// The demo site: a plain Express app that mounts parley-chat the way the README shows.
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chatRoutes, createChatServer } from 'parley-chat/express';

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
 * Starts the demo site on `port` (0 for any free port) with the chat stored through `connection`;
 * `chatOptions` adds to or replaces the demo's createChatServer() options.
 * @param {{
 *   connection: import('mongoose').Connection,
 *   port?: number,
 *   host?: string,
 *   chatOptions?: Partial<import('parley-chat').ChatServerOptions>,
 * }} options
 */
export async function startDemo({ connection, port = 3000, host, chatOptions = {} }) {
  const app = express();
  const chat = createChatServer({
    mongoose: connection,
    secret: process.env.CHAT_SECRET ?? 'parley-chat-demo-secret-do-not-use-in-production',
    rooms: ['lobby', 'support'],
    ...chatOptions,
  });
  app.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    next();
  });
  app.use(chatRoutes(chat));
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
