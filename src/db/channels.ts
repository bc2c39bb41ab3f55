/** LISTEN/NOTIFY channels every node shares. */
export const ENQUEUE_CHANNEL = 'pgtask_enqueue';
/** Payload: a task id; the node running or holding it aborts or drops it. */
export const CANCEL_CHANNEL = 'pgtask_cancel';
/** Payload: a queue name whose pause state or settings changed. */
export const QUEUE_CHANNEL = 'pgtask_queue';
/** Payload: compact JSON batches of task lifecycle events (the cluster-wide event stream). */
export const EVENTS_CHANNEL = 'pgtask_events';

/** Sends several payloads on one channel in one round trip. */
export async function notifyAll(
  pool: { query(sql: string, values: unknown[]): Promise<unknown> },
  channel: string,
  payloads: readonly string[],
): Promise<void> {
  await pool.query('select pg_notify($1, payload) from unnest($2::text[]) as payload', [channel, payloads]);
}
