import { z } from '@hono/zod-openapi';
import type { AuditEntry } from '../model/audit.js';

const isoTime = z.string().openapi({ format: 'date-time' });

export const auditEntrySchema = z
  .object({
    id: z.number().int().openapi({ description: 'Increasing; pass the last one seen as `after`' }),
    at: isoTime,
    actor: z
      .string()
      .openapi({ description: "The token's name, or `anonymous` when auth is off", example: 'ops' }),
    address: z.string().nullable().openapi({ description: "The client's address", example: '10.0.0.7' }),
    requestId: z.string().nullable().openapi({ description: 'The X-Request-Id of the request that did it' }),
    action: z.string().openapi({
      description: 'task.retry, task.cancel, dead_letter.retry, queue.pause, queue.resume, and later kinds',
      example: 'task.retry',
    }),
    targetType: z.string().openapi({ example: 'task' }),
    target: z.string().nullable().openapi({ description: 'Task id or queue name; null when a filter chose' }),
    taskIds: z.array(z.uuid()).openapi({ description: 'The tasks it changed (the first 100)' }),
    taskCount: z.number().int().openapi({ description: 'How many tasks it changed' }),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEntry');

export const auditPageSchema = z
  .object({
    entries: z.array(auditEntrySchema),
    next: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Pass as `after` for the next (older) page; absent on the last' }),
  })
  .openapi('AuditPage');

export const auditQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .openapi({ type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
  after: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ type: 'integer', description: 'An entry id: list the entries older than it' }),
});

/** On a task's page: who did what to it ("retried by ops at …"). */
export const operatorActionSchema = z
  .object({ at: isoTime, actor: z.string(), action: z.string() })
  .openapi('OperatorAction');

export function toAuditView(entry: AuditEntry): z.input<typeof auditEntrySchema> {
  return { ...entry, at: entry.at.toISOString() };
}

export function toOperatorActionView(entry: AuditEntry): z.input<typeof operatorActionSchema> {
  return { at: entry.at.toISOString(), actor: entry.actor, action: entry.action };
}
