import type pg from 'pg';
import { insertAuditEntry } from '../db/audit-store.js';
import { inTransaction, type Queryable } from '../db/transaction.js';
import type { Actor, AuditAction } from '../model/audit.js';

/**
 * The one way an operator action is recorded: `work` runs in a transaction, `describe` says what
 * it did (or undefined when it changed nothing), and the audit row commits with the change — an
 * action is never done without its row, nor recorded without being done.
 *
 * Any operation that changes tasks, queues or schedules on an operator's request goes through
 * here: pass the request's actor down (`Actor`, from api/actor.ts), run the store's statements
 * on the `db` given to `work`.
 */
export function audited<T>(options: {
  pool: pg.Pool;
  actor: Actor;
  work: (db: Queryable) => Promise<T>;
  describe: (result: T) => AuditAction | undefined;
}): Promise<T> {
  return inTransaction(options.pool, async (client) => {
    const result = await options.work(client);
    const action = options.describe(result);
    if (action) await insertAuditEntry(client, options.actor, action);
    return result;
  });
}
