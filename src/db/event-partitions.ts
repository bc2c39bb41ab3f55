import type { Pool } from 'pg';
import { inTransaction } from './transaction.js';

/**
 * task_events is partitioned by day on `at` (migration 0019): task_events_pYYYYMMDD per UTC day,
 * task_events_legacy for everything before the migration's next day, task_events_default for
 * rows no partition covers. These are the statements that keep that shape.
 */

/** Days of partitions kept ready after today, so no write waits for one to be created. */
export const PARTITION_DAYS_AHEAD = 3;

const PARTITION_DROP_LOCK_ID = 7_242_310_983;

/** Named, not `*`: a partition's column order may differ from the parent's after later migrations. */
const EVENT_COLUMNS = 'id, task_id, at, from_status, to_status, attempt, node_id, error';

/**
 * Creates the partitions from `now`'s day to PARTITION_DAYS_AHEAD days after it that do not
 * exist yet, moving rows the default partition holds for those days into them. Returns how many
 * were created. Safe to run from several nodes at once (the SQL function takes an advisory lock).
 */
export async function ensureEventPartitions(pool: Pool, now: Date): Promise<number> {
  const { rows } = await pool.query<{ created: number }>(
    'select task_events_ensure_partitions($1, $2) as created',
    [now, PARTITION_DAYS_AHEAD],
  );
  return rows[0]?.created ?? 0;
}

export interface EventPartition {
  name: string;
  /** Exclusive upper bound; null for the default partition. */
  until: Date | null;
}

export async function listEventPartitions(pool: Pool): Promise<EventPartition[]> {
  const { rows } = await pool.query<{ name: string; bound: string }>(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
       from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'task_events'::regclass`,
  );
  return rows
    .map((row) => {
      const until = /TO \('([^']+)'\)/.exec(row.bound)?.[1];
      return { name: row.name, until: until ? new Date(until) : null };
    })
    .sort((a, b) => (a.until?.getTime() ?? Infinity) - (b.until?.getTime() ?? Infinity));
}

export interface DroppedPartition {
  name: string;
  /** Rows the partition held when it was dropped. */
  rows: number;
  /** Of those, rows of tasks that still exist: moved to the default partition, not lost. */
  kept: number;
}

/**
 * Drops one partition whose every row is older than the retention cut-off. The history of a
 * task that still exists (one that has not finished, or finished after the cut-off) is never
 * lost: its rows are copied out first and go back into task_events, where the default partition
 * takes them (no partition covers a past day any more). The copy only reads, so history reads
 * and writes go on while it runs; DROP then locks task_events itself (the parent first, as
 * PostgreSQL always does, so it cannot deadlock with a writer) for as long as the drop takes.
 * One transaction with a short lock timeout: a busy table is tried again on the next round
 * rather than queueing every writer behind it.
 */
export async function dropEventPartition(pool: Pool, name: string): Promise<DroppedPartition | undefined> {
  return inTransaction(pool, async (client) => {
    await client.query(`set local lock_timeout = '2s'`);
    // One dropper at a time; another instance already at it takes this one too.
    const lock = await client.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [
      PARTITION_DROP_LOCK_ID,
    ]);
    if (!lock.rows[0]?.ok) return undefined;
    const quoted = client.escapeIdentifier(name);
    const exists = await client.query(`select to_regclass($1) as r`, [name]);
    if (!exists.rows[0]?.r) return undefined;
    const counted = await client.query<{ n: number }>(`select count(*)::int as n from ${quoted}`);
    await client.query(
      `create temp table pgtask_kept_events on commit drop as
         select ${EVENT_COLUMNS} from ${quoted} e where exists (select 1 from tasks t where t.id = e.task_id)`,
    );
    await client.query(`drop table ${quoted}`);
    const kept = await client.query(
      `insert into task_events (${EVENT_COLUMNS}) overriding system value
       select ${EVENT_COLUMNS} from pgtask_kept_events`,
    );
    return { name, rows: counted.rows[0]!.n, kept: kept.rowCount ?? 0 };
  });
}

/**
 * The default partition holds rows of days that have no partition (past days whose tasks
 * outlived their partition, or a clock far ahead). Deletes up to `limit` of its rows older than
 * the cut-off whose task is gone; returns how many.
 */
export async function deleteOrphanedDefaultEvents(
  pool: Pool,
  options: { before: Date; limit: number },
): Promise<number> {
  const { rowCount } = await pool.query(
    `delete from task_events_default where ctid in (
       select d.ctid from task_events_default d
        where d.at < $1 and not exists (select 1 from tasks t where t.id = d.task_id)
        limit $2
     )`,
    [options.before, options.limit],
  );
  return rowCount ?? 0;
}
