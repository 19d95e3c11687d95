import type { AddressInfo } from 'node:net';
import express from 'express';
import express4 from 'express4';
import { chatRoutes, createChatServer } from 'parley-chat/express';
import { describeAdapterContract, type AdapterHarness } from './adapter-contract.js';

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
  };
}

describeAdapterContract(expressHarness('Express 5', express));
describeAdapterContract(expressHarness('Express 4', express4 as unknown as typeof express));
