import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { chatRoutes, createChatServer } from 'parley-chat/koa';
import { describeAdapterContract } from './adapter-contract.js';

describeAdapterContract({
  name: 'Koa',
  async start(options) {
    const app = new Koa();
    const chat = createChatServer(options);
    app.use(chatRoutes(chat));
    app.use(async (ctx, next) => {
      if (ctx.path !== '/hello') return next();
      ctx.body = 'hello from the host';
    });
    const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    chat.attach(server);
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      chat,
      server,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
});
