import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './harness.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * An SMTP server that accepts every message and keeps it, for tests of code that sends email. It
 * speaks just enough SMTP for a client such as nodemailer, without TLS or authentication.
 */
export async function startSmtpSink(): Promise<{ url: string; received: ReceivedMail[] }> {
  const received: ReceivedMail[] = [];
  const server = createServer((socket: Socket) => {
    let buffer = '';
    let mail: ReceivedMail = { from: '', to: [], data: '' };
    let inData = false;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink ESMTP ready');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          mail.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          received.push(mail);
          mail = { from: '', to: [], data: '' };
          reply('250 2.0.0 queued');
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline === -1) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        switch (line.slice(0, 4).toUpperCase()) {
          case 'EHLO':
          case 'HELO':
            reply('250 sink');
            break;
          case 'MAIL':
            mail.from = line.slice(10).trim();
            reply('250 2.1.0 ok');
            break;
          case 'RCPT':
            mail.to.push(line.slice(8).trim());
            reply('250 2.1.5 ok');
            break;
          case 'DATA':
            inData = true;
            reply('354 end with <CRLF>.<CRLF>');
            break;
          case 'QUIT':
            reply('221 bye');
            socket.end();
            break;
          case 'RSET':
          case 'NOOP':
            reply('250 ok');
            break;
          default:
            reply('502 not implemented');
        }
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}
