import express from 'express';
import express4 from 'express4';
import { chatRoutes, createChatServer } from 'parley-chat/express';
import { describeAdapterContract, listenAndAttach, type AdapterHarness } from './adapter-contract.js';

function expressHarness(name: string, createApp: typeof express): AdapterHarness {
  return {
    name,
    async start(options) {
      const app = createApp();
      const chat = createChatServer(options);
      app.use(chatRoutes(chat));
      app.get('/hello', (_req, res) => {
        res.send('hello from the host');
      });
      return listenAndAttach(chat, () => app.listen(0, '127.0.0.1'));
    },
  };
}

describeAdapterContract(expressHarness('Express 5', express));
describeAdapterContract(expressHarness('Express 4', express4 as unknown as typeof express));
