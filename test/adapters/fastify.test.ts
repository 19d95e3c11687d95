import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { chatRoutes, createChatServer } from 'parley-chat/fastify';
import { describeAdapterContract } from './adapter-contract.js';

describeAdapterContract({
  name: 'Fastify',
  async start(options) {
    const fastify = Fastify();
    const chat = createChatServer(options);
    await fastify.register(chatRoutes(chat));
    fastify.get('/hello', async () => 'hello from the host');
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      chat: fastify.chat,
      server: fastify.server,
      close: () => fastify.close(),
    };
  },
});
