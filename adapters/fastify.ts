import type { FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { ChatServer } from '../src/index.js';

export { createChatServer } from '../src/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    chat: ChatServer;
  }
}

/**
 * The chat as a Fastify plugin: its HTTP routes (`widget.js`, `history`, `health`), Socket.IO
 * on `fastify.server`, and `fastify.chat`. `fastify.close()` closes the chat first, so it never
 * waits on open chat connections.
 *
 * @example
 * import { chatRoutes, createChatServer } from 'parley-chat/fastify';
 *
 * const chat = createChatServer({ mongoose: db, secret: process.env.CHAT_SECRET });
 * await fastify.register(chatRoutes(chat));
 * await fastify.listen({ port: 3000 });
 */
export function chatRoutes(chat: ChatServer): FastifyPluginAsync {
  return fastifyPlugin(
    async (fastify) => {
      fastify.decorate('chat', chat);
      chat.attach(fastify.server);
      for (const url of chat.routes) {
        // Every method: the chat answers the ones it does not serve with 405.
        fastify.all(url, (request, reply) => {
          reply.hijack(); // the chat writes the raw response itself
          chat.handler(request.raw, reply.raw);
        });
      }
      fastify.addHook('preClose', async () => {
        await chat.close();
      });
    },
    { name: 'parley-chat', fastify: '5.x' },
  );
}
