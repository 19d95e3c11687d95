import Koa from 'koa';
import { chatRoutes, createChatServer } from 'parley-chat/koa';
import { describeAdapterContract, listenAndAttach } from './adapter-contract.js';

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
    return listenAndAttach(chat, () => app.listen(0, '127.0.0.1'));
  },
});
