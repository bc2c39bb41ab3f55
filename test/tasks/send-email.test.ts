import { describe, expect, it } from 'vitest';
import { sendEmailHandler } from '../../src/tasks/send-email.js';
import { isPermanent } from '../../src/tasks/task-handler.js';
import { issuesOf, makeContext, recordingMailer, seedEnqueueExample } from './task-context.js';

const sendEmail = sendEmailHandler();

const seedPayload = seedEnqueueExample.tasks[0].payload;

describe('SendEmail', () => {
  it("accepts the seed's payload", () => {
    expect(sendEmail.payloadSchema.parse(seedPayload)).toEqual(seedPayload);
  });

  it.each([
    ['no recipient', { ...seedPayload, sendTo: [] }, 'sendTo: at least one recipient'],
    ['a bad recipient', { ...seedPayload, sendTo: ['not-an-address'] }, 'sendTo.0: an email address like'],
    ['a bad sender', { ...seedPayload, sendFrom: 'me' }, 'sendFrom: an email address like'],
    [
      'a two-line subject',
      { ...seedPayload, subject: 'Hi\r\nBcc: x@y.com' },
      'subject: a subject on one line',
    ],
    ['no body', { ...seedPayload, body: undefined }, 'body: a text body'],
    ['an unknown key', { ...seedPayload, cc: ['a@b.com'] }, 'cc'],
  ])('rejects %s with a useful message', (_label, payload, message) => {
    const issues = issuesOf(sendEmail.payloadSchema.safeParse(payload));
    expect(issues.join('\n')).toContain(message);
  });

  it('hands the formatted message to the mailer and returns its id and recipients', async () => {
    const mailer = recordingMailer();
    const payload = sendEmail.payloadSchema.parse({
      sendTo: ['a@example.com', 'b@example.com', 'A@example.com'],
      sendFrom: 'sender@example.com',
      subject: '  Quarterly numbers  ',
      body: 'line one\r\nline two',
    });
    const result = await sendEmailHandler({ mailer }).run(payload, makeContext());
    expect(mailer.sent).toEqual([
      {
        to: ['a@example.com', 'b@example.com'],
        from: 'sender@example.com',
        subject: 'Quarterly numbers',
        text: 'line one\nline two',
      },
    ]);
    expect(result).toEqual({
      messageId: '<message-1@test>',
      recipients: ['a@example.com', 'b@example.com'],
      delivered: true,
    });
  });

  it('only logs the message, and says it was not delivered, when it was given no mailer', async () => {
    const logged: unknown[] = [];
    const log = { ...makeContext().log, info: (entry: unknown) => void logged.push(entry) };
    const result = await sendEmail.run(sendEmail.payloadSchema.parse(seedPayload), makeContext({ log }));
    expect(result).toMatchObject({ delivered: false, recipients: seedPayload.sendTo });
    expect(logged).toEqual([expect.objectContaining({ subject: seedPayload.subject })]);
  });

  it('lets a mailer failure through as a retryable error', async () => {
    const failing = { send: async () => Promise.reject(new Error('connection refused')) };
    const run = sendEmailHandler({ mailer: failing }).run(
      sendEmail.payloadSchema.parse(seedPayload),
      makeContext(),
    );
    const error = await Promise.resolve(run).catch((thrown: unknown) => thrown as Error);
    expect((error as Error).message).toBe('connection refused');
    expect(isPermanent(error as Error)).toBe(false);
  });
});
