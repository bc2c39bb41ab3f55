import type pg from 'pg';

/** A pool or a client inside a transaction: what a statement that may join a transaction runs on. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Runs `work` in BEGIN … COMMIT on one connection; ROLLBACK when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // The pool listens for errors only on idle clients: a connection lost between two statements of
  // a transaction (a terminated backend, a server restart) would be an unhandled 'error' event and
  // end the process. The statement in flight, or the next one, fails and says why.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    try {
      await client.query('rollback');
    } catch {
      broken = true; // the connection itself failed: do not hand it back to the pool
    }
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
