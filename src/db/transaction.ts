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

/** SQLSTATE of SAVEPOINT run outside BEGIN … COMMIT. */
const NO_ACTIVE_TRANSACTION = '25P01';

/**
 * Runs `work` inside a SAVEPOINT of the caller's open transaction: when it throws, what it did is
 * undone and the caller's transaction is left as it was, still usable. Throws `NotInTransaction`
 * when `db` is not inside a transaction block.
 */
export async function inSavepoint<T>(db: Queryable, work: (db: Queryable) => Promise<T>): Promise<T> {
  try {
    await db.query('savepoint pgtask_enqueue');
  } catch (error) {
    if ((error as { code?: unknown }).code === NO_ACTIVE_TRANSACTION) throw new NotInTransaction();
    throw error;
  }
  try {
    const result = await work(db);
    await db.query('release savepoint pgtask_enqueue');
    return result;
  } catch (error) {
    // If the connection itself failed, the caller's transaction is gone anyway: the first error says why.
    await db.query('rollback to savepoint pgtask_enqueue; release savepoint pgtask_enqueue').catch(() => {});
    throw error;
  }
}

export class NotInTransaction extends Error {
  constructor() {
    super('the client is not inside a transaction (BEGIN first)');
  }
}
