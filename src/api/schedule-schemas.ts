import { z } from '@hono/zod-openapi';
import { parseCron } from '../config/cron-expression.js';
import { SCHEDULE_NAME } from '../config/schema.js';
import type { Schedule, ScheduleDefinition } from '../model/schedule.js';
import { queueName, text } from './schemas.js';

/** How many ticks a schedule's view lists (the first is nextRunAt), to check an expression and zone. */
const LISTED_RUNS = 5;

const isoTime = z.string().openapi({ format: 'date-time' });

export const scheduleParams = z.object({
  name: z
    .string()
    .regex(SCHEDULE_NAME, 'a schedule name of 1-100 letters, digits, "_", ".", ":" or "-"')
    .openapi({ param: { name: 'name', in: 'path' }, example: 'nightly-report' }),
});

const scheduleTaskBody = z
  .strictObject({
    taskType: text(100).min(1).openapi({ example: 'GenerateReport' }),
    payload: z
      .unknown()
      .optional()
      .openapi({
        description: "Checked against the task type's payload schema",
        example: { reportType: 'Daily', notify: ['ops@example.com'] },
      }),
    queue: queueName.optional(),
    priority: z.number().int().optional().openapi({ example: 5 }),
  })
  .openapi('ScheduleTask', { description: 'The task each tick enqueues, checked like an enqueue item' });

export const scheduleBody = z
  .strictObject({
    cron: text(200).openapi({
      description:
        '5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a nickname such as `@daily`',
      example: '0 3 * * *',
    }),
    timezone: text(64).optional().openapi({
      description: 'IANA time zone the expression is read in; UTC when absent',
      example: 'Europe/Berlin',
    }),
    task: scheduleTaskBody,
    paused: z
      .boolean()
      .optional()
      .openapi({ description: 'Defaults to false (a PUT replaces the whole definition)' }),
  })
  .openapi('ScheduleDefinition', {
    example: {
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      task: {
        taskType: 'GenerateReport',
        payload: { reportType: 'Daily', notify: ['ops@example.com'] },
        priority: 5,
      },
    },
  });

export const scheduleSchema = z
  .object({
    name: z.string().openapi({ example: 'nightly-report' }),
    cron: z.string().openapi({ example: '0 3 * * *' }),
    timezone: z.string().openapi({ example: 'Europe/Berlin' }),
    task: z.object({
      taskType: z.string().openapi({ example: 'GenerateReport' }),
      payload: z.unknown(),
      queue: z.string().nullable().openapi({ description: "null: the type's queue (default)" }),
      priority: z.number().int().nullable(),
    }),
    paused: z.boolean(),
    source: z.enum(['config', 'api']).openapi({
      description: '`config`: listed in config.yaml, whose definition is applied again at every start',
    }),
    nextRunAt: isoTime.nullable().openapi({
      description: 'The next tick (null while paused); one in the past fires at the next round, once',
    }),
    nextRuns: z.array(isoTime).openapi({ description: `The next ${LISTED_RUNS} ticks, from nextRunAt on` }),
    lastRunAt: isoTime.nullable().openapi({ description: 'The last tick fired' }),
    lastTaskId: z.uuid().nullable().openapi({ description: 'The task the last tick that made one made' }),
    lastError: z.string().nullable().openapi({
      description: "Why the last tick made no task (its payload no longer fits the type's schema)",
    }),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi('Schedule');

export const scheduleListSchema = z.object({ schedules: z.array(scheduleSchema) }).openapi('ScheduleList');

export function toScheduleDefinition(body: z.output<typeof scheduleBody>): ScheduleDefinition {
  return {
    cron: body.cron,
    ...(body.timezone !== undefined ? { timezone: body.timezone } : {}),
    task: {
      taskType: body.task.taskType,
      ...(body.task.payload !== undefined ? { payload: body.task.payload } : {}),
      ...(body.task.queue !== undefined ? { queue: body.task.queue } : {}),
      ...(body.task.priority !== undefined ? { priority: body.task.priority } : {}),
    },
    ...(body.paused !== undefined ? { paused: body.paused } : {}),
  };
}

export function toScheduleView(schedule: Schedule): z.input<typeof scheduleSchema> {
  return {
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    task: { ...schedule.task },
    paused: schedule.paused,
    source: schedule.source,
    nextRunAt: schedule.nextRunAt?.toISOString() ?? null,
    nextRuns: nextRunsOf(schedule),
    lastRunAt: schedule.lastRunAt?.toISOString() ?? null,
    lastTaskId: schedule.lastTaskId,
    lastError: schedule.lastError,
    createdAt: schedule.createdAt.toISOString(),
    updatedAt: schedule.updatedAt.toISOString(),
  };
}

function nextRunsOf(schedule: Schedule): string[] {
  if (!schedule.nextRunAt) return [];
  try {
    const later = parseCron(schedule.cron, schedule.timezone).upcoming(schedule.nextRunAt, LISTED_RUNS - 1);
    return [schedule.nextRunAt, ...later].map((at) => at.toISOString());
  } catch {
    return [schedule.nextRunAt.toISOString()];
  }
}
