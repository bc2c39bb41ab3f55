// The `pgtask/tasks` entry: the built-in task types, to serve beside a program's own.

export type { TaskStatsRow } from '../model/report.js';
export { type BuiltInServices, builtInHandlers } from './built-in.js';
export type { GenerateReportPayload, TaskReport } from './generate-report.js';
export type { SendEmailPayload, SendEmailResult } from './send-email.js';
export type { Mailer, MailMessage, ReportSource } from './task-handler.js';
