import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { statementNow } from './sql/statement-now.js';
import { inTransaction, type Queryable } from './transaction.js';

/*
 * Every `now` here is the caller's clock (Clock.sqlNow(): a test's) or, when null, the database's:
 * heartbeats, stale cut-offs and the rescue's timestamps all follow the same one.
 */

/** Registers this process in `nodes`; its heartbeat is what keeps its leases alive. */
export async function registerNode(pool: Pool, nodeId: string, now: Date | null = null): Promise<void> {
  await pool.query(
    `insert into nodes (id, hostname, pid, heartbeat_at) values ($1, $2, $3, ${statementNow('$4')})`,
    [nodeId, hostname(), process.pid, now],
  );
}

/** Returns false when another node already declared this one dead: its leases are gone. */
export async function heartbeat(pool: Pool, nodeId: string, now: Date | null = null): Promise<boolean> {
  const { rowCount } = await pool.query(
    `update nodes set heartbeat_at = ${statementNow('$2')} where id = $1 and stopped_at is null`,
    [nodeId, now],
  );
  return rowCount === 1;
}

export interface RescuedTask {
  id: string;
  queue: string;
  type: string;
  priority: number;
  fromNode: string;
  wasRunning: boolean;
  status: string;
  attempts: number;
}

/**
 * Declares dead every node whose heartbeat is older than the lease (database clock) and frees its
 * tasks: claimed ones go back to waiting untouched; running ones count a failed attempt ("worker
 * lost") and retry at once, or go dead when their attempts are spent.
 *
 * Two statements in one transaction, on purpose. The first marks the nodes stopped; its UPDATE
 * waits for any claim of those nodes still in flight (claims hold their node's row FOR SHARE, see
 * `liveNodeRow`), and later claims see `stopped_at` and take nothing. The second frees the tasks
 * with a fresh snapshot, so it also sees the rows that such an in-flight claim committed: one
 * statement would miss them, and they would stay locked by a dead node forever. Two rescuers
 * never both act on one node (the second finds it already stopped).
 */
export async function rescueStaleNodes(
  pool: Pool,
  options: { leaseMs: number; nodeId: string; now?: Date | null },
): Promise<RescuedTask[]> {
  const staleWhere = `stopped_at is null and id <> $2 and heartbeat_at < ${statementNow('$3')} - $1 * interval '1 millisecond'`;
  const now = options.now ?? null;
  const params = [options.leaseMs, options.nodeId, now];
  // The usual round finds nobody stale: one plain read, no transaction.
  const { rows: candidates } = await pool.query(`select 1 from nodes where ${staleWhere} limit 1`, params);
  if (candidates.length === 0) return [];
  return inTransaction(pool, async (client) => {
    const { rows: stale } = await client.query<{ id: string }>(
      `update nodes set stopped_at = ${statementNow('$3')} where ${staleWhere} returning id`,
      params,
    );
    if (stale.length === 0) return [];
    return freeTasksOf(
      client,
      stale.map((node) => node.id),
      now,
    );
  });
}

async function freeTasksOf(client: Queryable, nodeIds: string[], now: Date | null): Promise<RescuedTask[]> {
  const { rows } = await client.query<{
    id: string;
    queue: string;
    type: string;
    priority: number;
    from_node: string;
    was_running: boolean;
    status: string;
    attempts: number;
  }>(
    `with held as (
       select t.id, t.status, t.locked_by from tasks t where t.locked_by = any($1::text[]) for update of t
     ),
     freed as (
       update tasks t set
         status = case when h.status <> 'running' then t.status
                       when t.attempts >= t.max_attempts then 'dead' else 'retrying' end,
         error = case when h.status = 'running' then 'worker lost: node ' || h.locked_by || ' stopped heartbeating'
                      else t.error end,
         finished_at = case when h.status = 'running' and t.attempts >= t.max_attempts then ${statementNow('$2')}
                            else t.finished_at end,
         run_at = case when h.status = 'running' then ${statementNow('$2')} else t.run_at end,
         locked_by = null,
         locked_at = null
       from held h where t.id = h.id
       returning t.id, t.queue, t.type, t.priority, h.locked_by as from_node, h.status = 'running' as was_running,
                 t.status, t.attempts, t.error
     ),
     events as (
       insert into task_events (task_id, at, from_status, to_status, attempt, node_id, error)
       select id, ${statementNow('$2')}, 'running', status, attempts, from_node, error from freed where was_running
     )
     select id, queue, type, priority, from_node, was_running, status, attempts from freed`,
    [nodeIds, now],
  );
  return rows.map((row) => ({
    id: row.id,
    queue: row.queue,
    type: row.type,
    priority: row.priority,
    fromNode: row.from_node,
    wasRunning: row.was_running,
    status: row.status,
    attempts: row.attempts,
  }));
}

/** Gives back the tasks this node claimed but did not start, for any node to take. */
export async function releaseClaims(pool: Pool, nodeId: string, ids?: readonly string[]): Promise<number> {
  const { rowCount } = await pool.query(
    `update tasks set locked_by = null, locked_at = null
     where locked_by = $1 and status in ('queued', 'retrying') and ($2::uuid[] is null or id = any($2::uuid[]))`,
    [nodeId, ids ?? null],
  );
  return rowCount ?? 0;
}

export async function markNodeStopped(pool: Pool, nodeId: string, now: Date | null = null): Promise<void> {
  await pool.query(`update nodes set stopped_at = ${statementNow('$2')} where id = $1`, [nodeId, now]);
}

export async function liveNodeCount(pool: Pool, leaseMs: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from nodes where stopped_at is null and heartbeat_at >= now() - $1 * interval '1 millisecond'`,
    [leaseMs],
  );
  return rows[0]?.n ?? 0;
}
