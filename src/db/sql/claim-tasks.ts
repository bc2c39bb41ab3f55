import type { Pool } from 'pg';
import type { ClaimedTask } from '../../model/task.js';
import { type ClaimedColumns, toClaimedFields } from '../task-row.js';
import type { Queryable } from '../transaction.js';
import { statementNow } from './statement-now.js';

/** What a claim took, and whether the claiming node was still alive (a dead node takes nothing). */
export interface ClaimResult {
  alive: boolean;
  tasks: ClaimedTask[];
}

/**
 * The claiming node's own row, while no other node has declared it dead, locked FOR SHARE for the
 * claim's transaction. A claim takes tasks only when this row exists: a node that was paused past
 * its lease (SIGSTOP, a long GC, a frozen VM) and rescued must not wake up and lock new tasks
 * under its dead id, which nobody would ever rescue again. The share lock makes the rescuer's
 * UPDATE of the row wait for the claim to commit, and the rescuer frees the node's tasks in a
 * later statement of its transaction, which sees this claim's rows; a claim that comes after the
 * rescue sees `stopped_at` set and takes nothing. Share locks do not block each other, so
 * concurrent enqueues of one node do not queue up behind one another.
 */
export function liveNodeRow(nodeIdParameter: string): string {
  return `select id from nodes where id = ${nodeIdParameter} and stopped_at is null for share`;
}

/** A claimed task's row: the columns of ClaimedTask (snake_case), run_at as epoch ms, and parents. */
type ClaimedRow = ClaimedColumns & {
  run_at_ms: number;
  parents: Record<string, unknown> | null;
};

/**
 * A claimed child's succeeded parents as {id: result}, for `t` (evaluated only for rows with
 * parents: the CASE around it keeps plain tasks off the dependency table).
 */
export const PARENT_RESULTS = `(select coalesce(jsonb_object_agg(d.parent_id, p.result), '{}')
   from task_dependencies d join tasks p on p.id = d.parent_id
   where d.child_id = t.id and p.status = 'succeeded')`;

/**
 * Claims up to `limit` due, unclaimed tasks of one queue for `nodeId` in one statement, with
 * FOR UPDATE SKIP LOCKED so concurrent claimers never wait on or take each other's rows. Most of
 * the claim follows dispatch order (priority desc, run_at, id); `oldestShare` of it goes to the
 * longest-waiting tasks whatever their priority, so low priorities in the backlog cannot starve
 * behind an endless stream of higher ones. Due-ness uses the database clock unless `now` is given
 * (a test's clock, see statementNow). Rows come back in dispatch order.
 */
export async function claimTasks(
  pool: Pool,
  options: { queue: string; limit: number; nodeId: string; oldestShare: number; now?: Date | null },
): Promise<ClaimResult> {
  const oldest = options.oldestShare > 0 ? Math.max(1, Math.floor(options.limit * options.oldestShare)) : 0;
  const byPriority = Math.max(0, options.limit - oldest);
  const { rows } = await pool.query<{ alive: boolean; tasks: ClaimedRow[] }>({
    name: 'pgtask_claim_tasks',
    text: `with alive as (${liveNodeRow('$4')}),
     picked as (
       select id from (
         select id from tasks
         where queue = $1 and status in ('queued', 'retrying') and locked_by is null and concurrency_key is null
           and run_at <= ${statementNow('$5')} and exists (select 1 from alive)
         order by priority desc nulls last, run_at, id -- the index's exact order, or PostgreSQL sorts the backlog
         limit $2
         for update skip locked
       ) by_priority
       union
       select id from (
         select id from tasks
         where queue = $1 and status in ('queued', 'retrying') and locked_by is null and concurrency_key is null
           and run_at <= ${statementNow('$5')} and exists (select 1 from alive)
         order by run_at, id
         limit $3
         for update skip locked
       ) oldest
     ),
     -- A claim changes no status: the queue_counts trigger may skip this statement.
     counts_unchanged as (select set_config('pgtask.status_unchanged', 'on', true) as flag),
     -- id = any(array(…)) keeps the update on the primary key; a join on the CTE lets the planner
     -- hash-join against a scan of the whole table.
     claimed as (
       update tasks t set locked_by = $4, locked_at = ${statementNow('$5')}
       where t.id = any(array(select id from picked)) and (select flag from counts_unchanged) = 'on'
       returning t.id, t.queue, t.type, t.priority, t.status, t.payload, t.attempts, t.max_attempts, t.backoff_ms,
                 t.timeout_ms, (extract(epoch from t.run_at) * 1000)::float8 as run_at_ms, t.dedupe_key,
                 case when t.pending_parents is not null then ${PARENT_RESULTS} end as parents
     )
     -- One JSON document for the whole claim: parsed natively, not field by field.
     select exists (select 1 from alive) as alive,
            coalesce(json_agg(claimed order by priority desc, run_at_ms, id), '[]') as tasks from claimed`,
    values: [options.queue, byPriority, oldest, options.nodeId, options.now ?? null],
  });
  const alive = rows[0]?.alive ?? false;
  return { alive, tasks: (rows[0]?.tasks ?? []).map(toClaimedTask) };
}

/**
 * Claims tasks already picked and row-locked by `pickLimited` in the caller's transaction: the
 * same change as `claimTasks` (locked_by, locked_at), for the given ids, and like it only while
 * this node's row is live (a node declared dead claims nothing).
 */
export async function claimPickedTasks(
  db: Queryable,
  options: { ids: readonly string[]; nodeId: string; now?: Date | null },
): Promise<ClaimResult> {
  const { rows } = await db.query<{ alive: boolean; tasks: ClaimedRow[] }>({
    name: 'pgtask_claim_picked_tasks',
    text: `with alive as (${liveNodeRow('$2')}),
     counts_unchanged as (select set_config('pgtask.status_unchanged', 'on', true) as flag),
     claimed as (
       update tasks t set locked_by = $2, locked_at = ${statementNow('$3')}
       where t.id = any($1::uuid[]) and exists (select 1 from alive) and (select flag from counts_unchanged) = 'on'
       returning t.id, t.queue, t.type, t.priority, t.status, t.payload, t.attempts, t.max_attempts, t.backoff_ms,
                 t.timeout_ms, (extract(epoch from t.run_at) * 1000)::float8 as run_at_ms, t.dedupe_key,
                 case when t.pending_parents is not null then ${PARENT_RESULTS} end as parents
     )
     select exists (select 1 from alive) as alive,
            coalesce(json_agg(claimed order by priority desc, run_at_ms, id), '[]') as tasks from claimed`,
    values: [options.ids, options.nodeId, options.now ?? null],
  });
  return { alive: rows[0]?.alive ?? false, tasks: (rows[0]?.tasks ?? []).map(toClaimedTask) };
}

function toClaimedTask(row: ClaimedRow): ClaimedTask {
  const task: ClaimedTask = { ...toClaimedFields(row), runAt: new Date(row.run_at_ms) };
  if (row.parents) task.parents = row.parents;
  return task;
}
