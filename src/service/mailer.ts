import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { type Mailer, type MailMessage, PermanentError } from '../tasks/task-handler.js';

export interface ClosableMailer extends Mailer {
  /** Closes pooled SMTP connections; a no-op for the logging mailer. */
  close(): void;
}

/**
 * The mailer handlers get through ctx.services: SMTP through nodemailer when `mailer.smtpUrl`
 * is set (e.g. "smtp://user:pass@mail.example.com:587"), otherwise one that only logs each
 * message, so SendEmail works on a fresh machine without pretending to deliver.
 */
export function createMailer(config: Pick<Config, 'mailer'>, log: Logger): ClosableMailer {
  const smtpUrl = config.mailer.smtpUrl;
  return smtpUrl ? smtpMailer(smtpUrl, log) : loggingMailer(log);
}

function loggingMailer(log: Logger): ClosableMailer {
  return {
    async send(message: MailMessage) {
      const messageId = `<${randomUUID()}@pgtask.local>`;
      log.info(
        {
          messageId,
          to: message.to,
          from: message.from,
          subject: message.subject,
          bytes: message.text.length,
        },
        'mail not sent (no mailer.smtpUrl configured): logged instead',
      );
      return { messageId, delivered: false };
    },
    close() {},
  };
}

function smtpMailer(smtpUrl: string, log: Logger): ClosableMailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message: MailMessage) {
      try {
        const info = await transport.sendMail({
          to: message.to,
          from: message.from,
          subject: message.subject,
          text: message.text,
        });
        log.debug({ messageId: info.messageId, accepted: info.accepted.length }, 'mail sent');
        return { messageId: info.messageId, delivered: info.accepted.length > 0 };
      } catch (error) {
        // SMTP 5xx means the server refused this message for good (bad recipient, policy):
        // retrying cannot help. 4xx and connection errors are worth a retry.
        const responseCode = (error as { responseCode?: unknown }).responseCode;
        if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) {
          throw new PermanentError(`the SMTP server refused the message: ${(error as Error).message}`);
        }
        throw error;
      }
    },
    close() {
      transport.close();
    },
  };
}
