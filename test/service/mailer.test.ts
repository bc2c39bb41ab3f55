import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createMailer } from '../../src/service/mailer.js';
import { isPermanent } from '../../src/tasks/task-handler.js';

const log = createLogger({ level: 'silent', pretty: false });
const message = { to: ['a@example.com'], from: 'me@example.com', subject: 'Hello', text: 'body text' };

interface Received {
  from: string;
  to: string[];
  data: string;
}

/**
 * Just enough of an SMTP server for nodemailer: records each message, and answers RCPT TO with
 * `rcptReply` (a 5xx refuses the recipient for good, a 4xx for now).
 */
async function smtpServer(options: { rcptReply?: string } = {}) {
  const received: Received[] = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let current: Received = { from: '', to: [], data: '' };
    let inData = false;
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(current);
            current = { from: '', to: [], data: '' };
            socket.write('250 2.0.0 queued as TEST1\r\n');
          } else current.data += `${line}\n`;
          continue;
        }
        const command = line.slice(0, 4).toUpperCase();
        if (command === 'EHLO' || command === 'HELO') socket.write('250 test\r\n');
        else if (command === 'MAIL') {
          current.from = line;
          socket.write('250 OK\r\n');
        } else if (command === 'RCPT') {
          current.to.push(line);
          socket.write(`${options.rcptReply ?? '250 OK'}\r\n`);
        } else if (command === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (command === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe('createMailer', () => {
  it('only logs the message when no SMTP URL is configured, and says it was not delivered', async () => {
    const mailer = createMailer({ mailer: {} }, log);
    const sent = await mailer.send(message);
    expect(sent.delivered).toBe(false);
    expect(sent.messageId).toMatch(/^<.+@pgtask\.local>$/);
  });

  it('delivers through the SMTP server at mailer.smtpUrl', async () => {
    const smtp = await smtpServer();
    const mailer = createMailer({ mailer: { smtpUrl: smtp.url } }, log);
    const sent = await mailer.send(message);
    mailer.close();
    expect(sent.delivered).toBe(true);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['RCPT TO:<a@example.com>']);
    expect(smtp.received[0]!.data).toContain('Subject: Hello');
    expect(smtp.received[0]!.data).toContain('body text');
  });

  it('fails permanently when the server refuses the message (5xx), retryably on 4xx', async () => {
    const refusing = await smtpServer({ rcptReply: '550 5.1.1 no such user' });
    const refused = await createMailer({ mailer: { smtpUrl: refusing.url } }, log)
      .send(message)
      .catch((thrown: unknown) => thrown as Error);
    expect(refused).toBeInstanceOf(Error);
    expect(isPermanent(refused as Error)).toBe(true);

    const busy = await smtpServer({ rcptReply: '451 4.3.0 try again later' });
    const deferred = await createMailer({ mailer: { smtpUrl: busy.url } }, log)
      .send(message)
      .catch((thrown: unknown) => thrown as Error);
    expect(deferred).toBeInstanceOf(Error);
    expect(isPermanent(deferred as Error)).toBe(false);
  });
});
