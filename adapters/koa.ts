import type { Middleware } from 'koa';
import type { ChatServer } from '../src/index.js';

export { createChatServer } from '../src/index.js';

/**
 * The chat's HTTP routes (`widget.js`, `history`, `health`, Socket.IO polling) as Koa
 * middleware. Attach the chat to the server `app.listen()` returns for WebSockets; closing that
 * server closes the chat.
 *
 * @example
 * import { chatRoutes, createChatServer } from 'parley-chat/koa';
 *
 * const chat = createChatServer({ mongoose: db, secret: process.env.CHAT_SECRET });
 * app.use(chatRoutes(chat));
 * chat.attach(app.listen(3000));
 */
export function chatRoutes(chat: ChatServer): Middleware {
  return async (ctx, next) => {
    // koa-mount strips its prefix from req.url; the chat routes by the full path.
    const mountedUrl = ctx.req.url;
    ctx.req.url = ctx.originalUrl;
    if (chat.handler(ctx.req, ctx.res, () => {})) {
      ctx.respond = false; // the chat writes the response itself
      return;
    }
    ctx.req.url = mountedUrl;
    await next();
  };
}
