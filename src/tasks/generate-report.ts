import { z } from 'zod';
import type { TaskStatsRow } from '../model/report.js';
import { defineHandler, type Mailer, PermanentError, type ReportSource } from './task-handler.js';

/** The sender of report summaries; the payload names only the recipients. */
export const REPORT_SENDER = 'pgtask-reports@localhost';
const MAX_WINDOW_HOURS = 24 * 366;

export const generateReportPayload = z.strictObject({
  reportType: z
    .string({ error: 'reportType, a string' })
    .min(1, 'a non-empty reportType')
    .max(200, 'a reportType of at most 200 characters')
    .regex(/^[^\r\n]*$/, 'a reportType on one line'),
  notify: z.array(z.email({ error: 'an email address like "name@example.com"' }), {
    error: 'notify, a list of email addresses (may be empty)',
  }),
  windowHours: z
    .number({ error: 'windowHours, a number of hours' })
    .positive('a window of more than 0 hours')
    .max(MAX_WINDOW_HOURS, `a window of at most ${MAX_WINDOW_HOURS} hours`)
    .default(24),
});

export type GenerateReportPayload = z.input<typeof generateReportPayload>;

export interface RunDurations {
  avgMs: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface StatusStats extends RunDurations {
  count: number;
}

export interface TypeReport {
  total: number;
  /** succeeded / (succeeded + dead): the share of finished tasks that did not fail; null when none finished. */
  successRate: number | null;
  statuses: Record<string, StatusStats>;
}

export interface TaskReport {
  reportType: string;
  window: { since: string; until: string; hours: number };
  totals: { tasks: number; byStatus: Record<string, number>; successRate: number | null };
  byType: Record<string, TypeReport>;
  notified?: { messageId: string; recipients: string[]; delivered: boolean };
}

function successRate(byStatus: Record<string, { count: number } | number>): number | null {
  const count = (status: string) => {
    const entry = byStatus[status];
    return typeof entry === 'number' ? entry : (entry?.count ?? 0);
  };
  const finished = count('succeeded') + count('dead');
  return finished === 0 ? null : Math.round((count('succeeded') / finished) * 10_000) / 10_000;
}

/** Folds the per (type, status) rows into totals, per-type figures and success rates. */
export function buildReport(options: {
  reportType: string;
  since: Date;
  until: Date;
  rows: readonly TaskStatsRow[];
}): TaskReport {
  const byStatus: Record<string, number> = {};
  const byType: Record<string, TypeReport> = {};
  let tasks = 0;
  for (const row of options.rows) {
    tasks += row.count;
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count;
    byType[row.type] ??= { total: 0, successRate: null, statuses: {} };
    const type = byType[row.type]!;
    type.total += row.count;
    type.statuses[row.status] = {
      count: row.count,
      avgMs: row.avgRunMs,
      p95Ms: row.p95RunMs,
      maxMs: row.maxRunMs,
    };
  }
  for (const type of Object.values(byType)) type.successRate = successRate(type.statuses);
  return {
    reportType: options.reportType,
    window: {
      since: options.since.toISOString(),
      until: options.until.toISOString(),
      hours: (options.until.getTime() - options.since.getTime()) / 3_600_000,
    },
    totals: { tasks, byStatus, successRate: successRate(byStatus) },
    byType,
  };
}

function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)} ms`;
}

/** The plain-text summary mailed to `notify`. */
export function formatReportSummary(report: TaskReport): { subject: string; text: string } {
  const subject = `${report.reportType}: ${report.totals.tasks} tasks, ${percent(report.totals.successRate)} succeeded (last ${report.window.hours} h)`;
  const lines = [
    `${report.reportType}`,
    `Window: ${report.window.since} to ${report.window.until}`,
    `Tasks: ${report.totals.tasks}; success rate ${percent(report.totals.successRate)}`,
    `By status: ${
      Object.entries(report.totals.byStatus)
        .map(([status, count]) => `${status} ${count}`)
        .join(', ') || 'none'
    }`,
    '',
  ];
  for (const [type, stats] of Object.entries(report.byType)) {
    lines.push(`${type}: ${stats.total} tasks, success rate ${percent(stats.successRate)}`);
    for (const [status, figures] of Object.entries(stats.statuses)) {
      lines.push(
        `  ${status}: ${figures.count} (run avg ${ms(figures.avgMs)}, p95 ${ms(figures.p95Ms)}, max ${ms(figures.maxMs)})`,
      );
    }
  }
  return { subject, text: `${lines.join('\n')}\n` };
}

/**
 * The GenerateReport type over a report source (the service wires db/report-store's) and the
 * mailer for the summary. Without a source every run fails for good with a message saying so.
 */
export function generateReportHandler(options: { reports?: ReportSource; mailer?: Mailer } = {}) {
  const { reports, mailer } = options;
  return defineHandler({
    type: 'GenerateReport',
    description:
      'Counts and run durations of the tasks created in the last `windowHours` (default 24), per type and status; mails a summary to `notify`.',
    payloadSchema: generateReportPayload,
    defaults: { timeoutMs: 60_000 },
    async run(payload, ctx): Promise<TaskReport> {
      if (!reports) {
        throw new PermanentError('GenerateReport needs a report source: builtInHandlers({ reports })');
      }
      const until = new Date();
      const since = new Date(until.getTime() - (payload.windowHours ?? 24) * 3_600_000);
      const rows = await reports.taskStats({ since, until });
      const report = buildReport({ reportType: payload.reportType, since, until, rows });
      if (payload.notify.length > 0) {
        const { subject, text } = formatReportSummary(report);
        const message = { to: payload.notify, from: REPORT_SENDER, subject, text };
        if (mailer) {
          const sent = await mailer.send(message);
          report.notified = {
            messageId: sent.messageId,
            recipients: payload.notify,
            delivered: sent.delivered,
          };
        } else {
          const messageId = `<${ctx.taskId}@pgtask.local>`;
          ctx.log.info(
            { messageId, to: message.to, subject },
            'report mail not sent (no mailer): logged instead',
          );
          report.notified = { messageId, recipients: payload.notify, delivered: false };
        }
      }
      ctx.log.info({ tasks: report.totals.tasks, types: Object.keys(report.byType).length }, 'report built');
      return report;
    },
  });
}
