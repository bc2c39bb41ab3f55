import { CronError, type CronExpression, parseCron } from '../config/cron-expression.js';
import type { ScheduleWrite } from '../db/schedule-store.js';
import type { Schedule, ScheduleDefinition, ScheduleSource } from '../model/schedule.js';
import type { NewTask } from '../model/task.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { type PreparedTask, prepareBatch, type ValidationIssue } from './enqueue.js';
import type { EngineConfig } from './types.js';
import { EngineError } from './types.js';

/** A field of a schedule definition and what is wrong with it (`task.payload.to`, `cron`, …). */
export interface ScheduleIssue {
  field: string;
  message: string;
}

/**
 * Checks a definition the way its ticks will be checked: the expression and zone by croner, the
 * task like an enqueue (known type, payload schema, priority range, queue). Returns the columns to
 * store, or throws EngineError('validation_failed', …, details: [{field, message}]).
 */
export function prepareSchedule(options: {
  name: string;
  definition: ScheduleDefinition;
  source: ScheduleSource;
  registry: TaskRegistry;
  config: EngineConfig;
  now: Date;
}): { write: ScheduleWrite; expression: CronExpression } {
  const { definition } = options;
  const issues: ScheduleIssue[] = [];
  let expression: CronExpression | undefined;
  try {
    expression = parseCron(definition.cron, definition.timezone);
  } catch (error) {
    if (!(error instanceof CronError)) throw error;
    issues.push({ field: error.field, message: error.message });
  }
  try {
    prepareBatch([newTaskOf(definition.task)], options);
  } catch (error) {
    if (!(error instanceof EngineError) || error.code !== 'validation_failed') throw error;
    for (const issue of error.details as ValidationIssue[]) {
      issues.push({ field: `task.${issue.path}`, message: issue.message });
    }
  }
  if (issues.length > 0 || !expression) {
    throw new EngineError(
      'validation_failed',
      `schedule ${options.name}: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`,
      issues,
    );
  }
  const paused = definition.paused ?? false;
  const { task } = definition;
  return {
    expression,
    write: {
      name: options.name,
      cron: definition.cron,
      timezone: expression.timezone,
      taskType: task.taskType,
      payloadJson: JSON.stringify(task.payload ?? {}),
      queue: task.queue ?? null,
      priority: task.priority ?? null,
      paused,
      source: options.source,
      nextRunAt: paused ? null : expression.nextAfter(options.now),
    },
  };
}

/** The task one tick of a stored schedule enqueues, checked again (the type may have changed). */
export function prepareTick(
  schedule: Schedule,
  options: { registry: TaskRegistry; config: EngineConfig },
): PreparedTask {
  const { task } = schedule;
  const [prepared] = prepareBatch(
    [
      newTaskOf({
        taskType: task.taskType,
        payload: task.payload,
        ...(task.queue !== null ? { queue: task.queue } : {}),
        ...(task.priority !== null ? { priority: task.priority } : {}),
      }),
    ],
    options,
  );
  return prepared!;
}

function newTaskOf(task: ScheduleDefinition['task']): NewTask {
  return {
    type: task.taskType,
    payload: task.payload ?? {},
    ...(task.queue !== undefined ? { queue: task.queue } : {}),
    ...(task.priority !== undefined ? { priority: task.priority } : {}),
  };
}
