import type { RequestHandler } from 'express';
import type { ChatServer } from '../src/index.js';

export { createChatServer } from '../src/index.js';

/**
 * The chat's HTTP routes (`widget.js`, `history`, `health`, Socket.IO polling) as Express
 * middleware, for Express 4 and 5. Attach the chat to the server `app.listen()` returns for
 * WebSockets; closing that server closes the chat.
 *
 * @example
 * import { chatRoutes, createChatServer } from 'parley-chat/express';
 *
 * const chat = createChatServer({ mongoose: db, secret: process.env.CHAT_SECRET });
 * app.use(chatRoutes(chat));
 * chat.attach(app.listen(3000));
 */
export function chatRoutes(chat: ChatServer): RequestHandler {
  return (req, res, next) => {
    // Under a mount path Express strips the prefix from req.url; the chat routes by the full path.
    const mountedUrl = req.url;
    req.url = req.originalUrl;
    chat.handler(req, res, (error) => {
      req.url = mountedUrl;
      next(error);
    });
  };
}
