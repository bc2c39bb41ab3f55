import type { Pool } from 'pg';
import type { TaskStatus } from '../../model/task.js';
import { statementNow } from './statement-now.js';

/**
 * One state change of a task on this node, as the result loop batches them. A change may carry
 * the start of the attempt (`started`), its end (`toStatus` other than running), or both when a
 * task started and finished between two flushes (one UPDATE, two history rows).
 */
export interface OutcomeWrite {
  id: string;
  /** The attempt number this change belongs to (attempts after the start is counted). */
  attempt: number;
  /** Status in the database before this write: queued/retrying when `started`, else running. */
  fromStatus: TaskStatus;
  toStatus: TaskStatus;
  started: boolean;
  /** ISO timestamps, made once per change (they go to the database and to the event stream). */
  startedAt: string | null;
  finishedAt: string | null;
  result: string | null;
  error: string | null;
  /** For toStatus retrying: delay from the statement's now (see writeOutcomes) until it may run again. */
  retryDelayMs: number;
  /** Keep this node's lock (a short backoff held in the local buffer) instead of releasing it. */
  keepLock: boolean;
  /** The attempt does not count (released at shutdown, snoozed): attempts goes back to attempt - 1. */
  refund: boolean;
  /**
   * The handler's latest progress as JSON ({fraction, message, at}), or null to keep what is
   * stored. A start without one clears the previous attempt's progress.
   */
  progress: string | null;
  /** The lock this change is fenced by, in a batch written without a `nodeId` (HTTP workers' leases). */
  lockedBy?: string;
}

/**
 * A test-only seam, never set in production: PGTASK_TEST_BREAK=unfenced makes completions skip
 * their fence, the deliberately broken build the fault soak (test/soak) must catch.
 */
const UNFENCED = process.env.PGTASK_TEST_BREAK === 'unfenced';
/**
 * The fence. Its lock column is `$2` (one node's batch) or each change's own `locked_by` (HTTP
 * workers' leases), never a mix: `coalesce(i.locked_by, $2)` made PostgreSQL merge-join the
 * batch against every locked row (96 ms instead of 14 ms for 500 outcomes with 200,000 rows).
 */
function fence(perRowLock: boolean): string {
  return `t.locked_by = ${perRowLock ? 'i.locked_by' : '$2'}
         and t.status = i.from_status
         and t.attempts = case when i.started then i.attempt - 1 else i.attempt end`;
}

/**
 * Writes a batch of state changes in one statement: UPDATE … FROM jsonb_to_recordset($1) fenced by
 * (id, attempt, status, locked_by: `nodeId`, or the change's own `lockedBy`), plus one task_events row per status change, in the same
 * transaction. A change whose fence fails (this node lost the lease; the task was cancelled or
 * moved on) changes nothing. A progress report of a running task is a change from running to
 * running (no history row) that carries only `progress`. Returns the ids that were written.
 * A retry's backoff counts from `now` (a test's clock), else from the database clock.
 */
export async function writeOutcomes(
  pool: Pool,
  nodeId: string | null,
  writes: readonly OutcomeWrite[],
  now: Date | null = null,
): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  // null: every change names its own lock (HTTP workers' answers, batched across leases).
  const perRowLock = nodeId === null;
  if (perRowLock && writes.some((write) => write.lockedBy === undefined))
    throw new Error('writeOutcomes without a nodeId needs each change to name its lockedBy');
  const FENCE = fence(perRowLock);
  // The clock is the last parameter: $2 when the batch has no node id, $3 after it otherwise.
  const NOW = statementNow(perRowLock ? '$2' : '$3');
  // One JSON parameter instead of a dozen arrays: PostgreSQL parses it in C, and the result
  // column, already JSON, is embedded as it is.
  const input = `[${writes.map(outcomeJson).join(',')}]`;
  const { rows } = await pool.query<{ ids: string[] }>({
    // Named, one per shape of the text: planned once per connection, not at every flush.
    name: `pgtask_write_outcomes_${perRowLock ? 'per_row_lock' : 'node'}${UNFENCED ? '_unfenced' : ''}`,
    text: `with input as (
       select * from jsonb_to_recordset($1::jsonb)
         as i(id uuid, attempt int, from_status text, to_status text, started bool, started_at timestamptz,
              finished_at timestamptz, result jsonb, error text, retry_delay_ms bigint, keep_lock bool, refund bool,
              progress jsonb, locked_by text)
     ),
     updated as (
       update tasks t set
         status = i.to_status,
         attempts = case when i.refund then i.attempt - 1 else i.attempt end,
         started_at = case when i.started then i.started_at else t.started_at end,
         finished_at = i.finished_at,
         result = case when i.to_status = 'running' then t.result else i.result end,
         error = case when i.to_status = 'running' then t.error else i.error end,
         -- A retry waits its backoff; a snooze (queued or retrying, refunded) its delay.
         run_at = case when i.to_status = 'retrying' or i.retry_delay_ms > 0
                       then ${NOW} + i.retry_delay_ms * interval '1 millisecond' else t.run_at end,
         locked_by = case when i.to_status = 'running' or i.keep_lock then t.locked_by else null end,
         locked_at = case when i.to_status = 'running' or i.keep_lock then t.locked_at else null end,
         progress = case when i.started then i.progress else coalesce(i.progress, t.progress) end
       from input i
       where t.id = i.id
         and ${UNFENCED ? `((not i.started and i.to_status <> 'running') or (${FENCE}))` : FENCE}
       returning t.id, i.attempt, i.from_status, i.to_status, i.started, i.started_at, i.finished_at, i.error,
                 ${perRowLock ? 'i.locked_by' : '$2::text'} as node_id
     ),
     events as (
       insert into task_events (task_id, at, from_status, to_status, attempt, node_id, error)
       select id, started_at, from_status, 'running', attempt, node_id, null from updated where started
       union all
       select id, coalesce(finished_at, ${NOW}), 'running', to_status, attempt, node_id, error
       from updated where to_status <> 'running'
     )
     select coalesce(json_agg(id), '[]') as ids from updated`,
    values: perRowLock ? [input, now] : [input, nodeId, now],
  });
  return new Set(rows[0]?.ids ?? []);
}

function outcomeJson(w: OutcomeWrite): string {
  return (
    `{"id":"${w.id}","attempt":${w.attempt},"from_status":"${w.fromStatus}","to_status":"${w.toStatus}",` +
    `"started":${w.started},"started_at":${w.startedAt ? `"${w.startedAt}"` : 'null'},` +
    `"finished_at":${w.finishedAt ? `"${w.finishedAt}"` : 'null'},"result":${w.result ?? 'null'},` +
    `"error":${w.error === null ? 'null' : JSON.stringify(w.error)},"retry_delay_ms":${w.retryDelayMs},` +
    `"keep_lock":${w.keepLock},"refund":${w.refund},"progress":${w.progress ?? 'null'}` +
    `${w.lockedBy === undefined ? '' : `,"locked_by":${JSON.stringify(w.lockedBy)}`}}`
  );
}
