import type { RuntimeLimits } from '../model/flow-limits.js';
import type { Queryable } from './transaction.js';

/** A queue's state shared by every node: what its claims must respect. */
export interface QueueState {
  paused: boolean;
  limits: RuntimeLimits | null;
  keyed: boolean;
}

/**
 * Every queue's shared state: pause flag, run-time flow limits, and whether keyed tasks wait in
 * it (one probe of tasks_key_ready_idx per queue).
 */
export async function readQueueStates(db: Queryable): Promise<Map<string, QueueState>> {
  const { rows } = await db.query<{
    name: string;
    paused: boolean;
    limits: RuntimeLimits | null;
    keyed: boolean;
  }>(
    `select q.name, q.paused, q.limits,
            exists (select 1 from tasks t
                    where t.queue = q.name and t.status in ('queued', 'retrying') and t.locked_by is null
                      and t.concurrency_key is not null) as keyed
     from queues q`,
  );
  return new Map(rows.map((row) => [row.name, { paused: row.paused, limits: row.limits, keyed: row.keyed }]));
}
