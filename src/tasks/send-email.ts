import { z } from 'zod';
import { defineHandler, type Mailer, type MailMessage } from './task-handler.js';

const email = z.email({ error: 'an email address like "name@example.com"' });

export const sendEmailPayload = z.strictObject({
  sendTo: z.array(email, { error: 'a list of email addresses' }).min(1, 'at least one recipient'),
  sendFrom: email,
  // A line break in a header would let a payload add headers of its own.
  subject: z
    .string({ error: 'a subject line' })
    .max(998, 'a subject of at most 998 characters')
    .regex(/^[^\r\n]*$/, 'a subject on one line'),
  body: z.string({ error: 'a text body' }).max(1_000_000, 'a body of at most 1,000,000 characters'),
});

export type SendEmailPayload = z.infer<typeof sendEmailPayload>;

export interface SendEmailResult {
  messageId: string;
  recipients: string[];
  /** false when no SMTP server is configured and the message was only logged. */
  delivered: boolean;
}

/** The message as the mailer gets it: recipients once each, whitespace tidied, CRLF → LF. */
export function formatEmail(payload: SendEmailPayload): MailMessage {
  const seen = new Set<string>();
  const to = payload.sendTo.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    to,
    from: payload.sendFrom,
    subject: payload.subject.trim(),
    text: payload.body.replace(/\r\n?/g, '\n'),
  };
}

/**
 * The SendEmail type over `mailer`. Without one the message is only logged (delivered: false),
 * so the type works on a fresh machine without pretending to deliver.
 */
export function sendEmailHandler(options: { mailer?: Mailer } = {}) {
  const mailer = options.mailer;
  return defineHandler({
    type: 'SendEmail',
    description:
      'Sends a plain-text email through the configured mailer (logged only without mailer.smtpUrl).',
    payloadSchema: sendEmailPayload,
    defaults: { timeoutMs: 30_000 },
    async run(payload, ctx): Promise<SendEmailResult> {
      const message = formatEmail(payload);
      if (!mailer) {
        const messageId = `<${ctx.taskId}@pgtask.local>`;
        ctx.log.info(
          { messageId, to: message.to, from: message.from, subject: message.subject },
          'mail not sent (no mailer given to builtInHandlers): logged instead',
        );
        return { messageId, recipients: message.to, delivered: false };
      }
      const sent = await mailer.send(message);
      ctx.log.info(
        { messageId: sent.messageId, recipients: message.to.length },
        'email handed to the mailer',
      );
      return { messageId: sent.messageId, recipients: message.to, delivered: sent.delivered };
    },
  });
}
