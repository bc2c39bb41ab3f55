import type { Mailer, MailMessage, TaskContext, TaskLogger } from '../../src/tasks/task-handler.js';

export const silentLog: TaskLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** A TaskContext as the engine builds one, with overrides. */
export function makeContext(overrides: Partial<TaskContext> = {}): TaskContext {
  return {
    taskId: '0190b0b0-0000-7000-8000-000000000001',
    queue: 'default',
    attempt: 1,
    signal: new AbortController().signal,
    log: silentLog,
    services: undefined,
    progress() {},
    ...overrides,
  };
}

/** A mailer that keeps what it was handed, so a test can read the message a user would get. */
export function recordingMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return {
    sent,
    async send(message) {
      sent.push(message);
      return { messageId: `<message-${sent.length}@test>`, delivered: true };
    },
  };
}

/** The task list of the seed's `POST /tasks/enqueue` curl example, verbatim. */
export const seedEnqueueExample = {
  tasks: [
    {
      taskType: 'SendEmail',
      payload: {
        sendTo: ['helloworld@test.com', 'helloWorld2@test.com'],
        sendFrom: 'hello1@test.com',
        subject: 'Hi !',
        body: 'hope you are well',
      },
    },
    {
      taskType: 'GenerateReport',
      priority: 1,
      payload: {
        notify: ['helloworld@test.com', 'helloWorld2@test.com'],
        reportType: 'Financial Report',
      },
    },
    {
      taskType: 'CPUProcess',
      priority: 1,
      payload: { ProcessType: 'want to fail' },
      backOffDuration: '5s',
    },
  ],
} as const;

/** The messages of a failed zod parse, keyed by path, for assertions a person can read. */
export function issuesOf(result: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
}) {
  return (result.error?.issues ?? []).map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
}
