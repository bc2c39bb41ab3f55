import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskStats } from '../../src/db/report-store.js';
import { generateReportHandler, REPORT_SENDER, type TaskReport } from '../../src/tasks/generate-report.js';
import type { ReportSource } from '../../src/tasks/task-handler.js';
import { PermanentError } from '../../src/tasks/task-handler.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { issuesOf, makeContext, recordingMailer, seedEnqueueExample } from './task-context.js';

const generateReport = generateReportHandler();

let db: TestDatabase;
let reports: ReportSource;
beforeAll(async () => {
  db = await createTestDatabase();
  reports = { taskStats: (window) => taskStats({ pool: db.pool, ...window }) };
});
afterAll(() => db.drop());

/** Inserts `count` tasks created `ageMinutes` ago by the database clock, with the given run time. */
async function insertTasks(options: {
  type: string;
  status: string;
  count: number;
  runMs?: number;
  ageMinutes?: number;
}) {
  await db.pool.query(
    `insert into tasks (id, type, status, max_attempts, backoff_ms, created_at, started_at, finished_at)
     select gen_random_uuid(), $1, $2, 4, 1000,
            now() - make_interval(mins => $4::int),
            case when $3::int is null then null else now() - interval '10 seconds' end,
            case when $3::int is null then null else now() - interval '10 seconds' + make_interval(secs => $3::int / 1000.0) end
       from generate_series(1, $5::int)`,
    [options.type, options.status, options.runMs ?? null, options.ageMinutes ?? 5, options.count],
  );
}

const seedPayload = seedEnqueueExample.tasks[1].payload;

describe('GenerateReport', () => {
  it("accepts the seed's payload, with a 24-hour window by default", () => {
    expect(generateReport.payloadSchema.parse(seedPayload)).toEqual({ ...seedPayload, windowHours: 24 });
  });

  it.each([
    [{ notify: [] }, 'reportType: reportType, a string'],
    [{ reportType: 'Daily', notify: ['nobody'] }, 'notify.0: an email address like'],
    [{ reportType: 'Daily' }, 'notify: notify, a list of email addresses'],
    [{ reportType: 'Daily', notify: [], windowHours: 0 }, 'windowHours: a window of more than 0 hours'],
    [{ reportType: 'Daily', notify: [], format: 'pdf' }, 'format'],
  ])('rejects %j with a useful message', (payload, message) => {
    expect(issuesOf(generateReport.payloadSchema.safeParse(payload)).join('\n')).toContain(message);
  });

  it('reports the counts and durations of the tasks in its window and mails a summary', async () => {
    await insertTasks({ type: 'SendEmail', status: 'succeeded', count: 6, runMs: 200 });
    await insertTasks({ type: 'SendEmail', status: 'dead', count: 2, runMs: 1000 });
    await insertTasks({ type: 'CPUProcess', status: 'succeeded', count: 3, runMs: 400 });
    await insertTasks({ type: 'CPUProcess', status: 'queued', count: 4 });
    // Created three hours ago: outside a two-hour window.
    await insertTasks({ type: 'SendEmail', status: 'dead', count: 5, runMs: 50, ageMinutes: 180 });

    const mailer = recordingMailer();
    const payload = generateReport.payloadSchema.parse({
      reportType: 'Financial Report',
      notify: ['cfo@example.com', 'ops@example.com'],
      windowHours: 2,
    });
    const report = (await generateReportHandler({ mailer, reports }).run(
      payload,
      makeContext(),
    )) as TaskReport;

    expect(report.reportType).toBe('Financial Report');
    expect(report.window.hours).toBe(2);
    expect(report.totals).toEqual({
      tasks: 15,
      byStatus: { succeeded: 9, dead: 2, queued: 4 },
      successRate: 0.8182,
    });
    expect(report.byType.SendEmail).toEqual({
      total: 8,
      successRate: 0.75,
      statuses: {
        succeeded: { count: 6, avgMs: 200, p95Ms: 200, maxMs: 200 },
        dead: { count: 2, avgMs: 1000, p95Ms: 1000, maxMs: 1000 },
      },
    });
    expect(report.byType.CPUProcess).toEqual({
      total: 7,
      successRate: 1,
      statuses: {
        queued: { count: 4, avgMs: null, p95Ms: null, maxMs: null },
        succeeded: { count: 3, avgMs: 400, p95Ms: 400, maxMs: 400 },
      },
    });

    expect(mailer.sent).toHaveLength(1);
    const [mail] = mailer.sent;
    expect(mail!.to).toEqual(['cfo@example.com', 'ops@example.com']);
    expect(mail!.from).toBe(REPORT_SENDER);
    expect(mail!.subject).toBe('Financial Report: 15 tasks, 81.8% succeeded (last 2 h)');
    expect(mail!.text).toContain('SendEmail: 8 tasks, success rate 75.0%');
    expect(mail!.text).toContain('  dead: 2 (run avg 1000 ms, p95 1000 ms, max 1000 ms)');
    expect(report.notified).toEqual({
      messageId: '<message-1@test>',
      recipients: ['cfo@example.com', 'ops@example.com'],
      delivered: true,
    });
    // The result is stored as jsonb: it must survive JSON unchanged.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('sends no mail when notify is empty', async () => {
    const mailer = recordingMailer();
    const report = (await generateReportHandler({ mailer, reports }).run(
      generateReport.payloadSchema.parse({ reportType: 'Quiet', notify: [] }),
      makeContext(),
    )) as TaskReport;
    expect(mailer.sent).toEqual([]);
    expect(report.notified).toBeUndefined();
  });

  it('fails for good, saying what is missing, when it was given no report source', async () => {
    const error = await Promise.resolve(
      generateReport.run(generateReport.payloadSchema.parse({ reportType: 'R', notify: [] }), makeContext()),
    ).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error?.message).toBe('GenerateReport needs a report source: builtInHandlers({ reports })');
  });
});
