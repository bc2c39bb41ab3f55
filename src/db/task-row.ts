import type { InferSelectModel } from 'drizzle-orm';
import type { ClaimedTask, Task, TaskHistoryEntry } from '../model/task.js';
import type { taskEvents, tasks } from './schema.js';

/**
 * A `tasks` row as PostgreSQL returns it (snake_case), derived from the drizzle schema. Nothing
 * above db/ sees one. node-postgres hands int8 over as a string, and `progress` is jsonb of a
 * known shape.
 */
export type TaskRow = Omit<
  InferSelectModel<typeof tasks, { dbColumnNames: true }>,
  'has_dependents' | 'progress' | 'unique_for_ms'
> & {
  progress: { fraction: number; message: string | null; at: string } | null;
  unique_for_ms: string | number | null;
};

/** `maxAttempts` → `max_attempts`: a domain field's column name, checked by the compiler. */
export type SnakeCase<Name extends string> = Name extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : Name;

const TASK_COLUMN_NAMES = [
  'id',
  'queue',
  'type',
  'priority',
  'status',
  'payload',
  'result',
  'error',
  'attempts',
  'max_attempts',
  'backoff_ms',
  'timeout_ms',
  'run_at',
  'dedupe_key',
  'created_at',
  'created_by',
  'started_at',
  'finished_at',
  'locked_by',
  'locked_at',
  'progress',
  'concurrency_key',
  'pending_parents',
  'on_parent_failure',
  'unique_for_ms',
  'key_held_until',
] as const satisfies ReadonlyArray<keyof TaskRow>;

// The list above is a literal so the running service never loads drizzle-orm's table builders;
// this line fails to compile when the schema gains a column the list does not name.
const everyColumnListed: Exclude<keyof TaskRow, (typeof TASK_COLUMN_NAMES)[number]> extends never
  ? true
  : never = true;
void everyColumnListed;

/** The select list of a whole task, for `select … from tasks` and `returning …`. */
export const TASK_COLUMNS = TASK_COLUMN_NAMES.join(', ');

/** The columns a claim hands over (ClaimedTask's fields but its run time), as the domain names them. */
export type ClaimedColumns = Pick<TaskRow, SnakeCase<Exclude<keyof ClaimedTask, 'runAt' | 'parents'>>>;

export function toClaimedFields(row: ClaimedColumns): Omit<ClaimedTask, 'runAt' | 'parents'> {
  return {
    id: row.id,
    queue: row.queue,
    type: row.type,
    priority: row.priority,
    status: row.status,
    payload: row.payload,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    backoffMs: row.backoff_ms,
    timeoutMs: row.timeout_ms ?? null,
    dedupeKey: row.dedupe_key ?? null,
  };
}

export function toTask(row: TaskRow): Task {
  return {
    ...toClaimedFields(row),
    result: row.result ?? null,
    error: row.error ?? null,
    runAt: row.run_at,
    createdAt: row.created_at,
    createdBy: row.created_by ?? null,
    startedAt: row.started_at ?? null,
    finishedAt: row.finished_at ?? null,
    lockedBy: row.locked_by ?? null,
    lockedAt: row.locked_at ?? null,
    progress: row.progress
      ? {
          fraction: row.progress.fraction,
          message: row.progress.message ?? null,
          at: new Date(row.progress.at),
        }
      : null,
    concurrencyKey: row.concurrency_key ?? null,
    pendingParents: row.pending_parents ?? null,
    onParentFailure: row.on_parent_failure ?? null,
    uniqueForMs: row.unique_for_ms === null ? null : Number(row.unique_for_ms),
    keyHeldUntil: row.key_held_until ?? null,
  };
}

export type TaskEventRow = Pick<
  InferSelectModel<typeof taskEvents, { dbColumnNames: true }>,
  'id' | 'at' | 'from_status' | 'to_status' | 'attempt' | 'node_id' | 'error'
>;

export function toHistoryEntry(row: TaskEventRow): TaskHistoryEntry {
  return {
    id: row.id,
    at: row.at,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    attempt: row.attempt,
    nodeId: row.node_id,
    error: row.error,
  };
}
