import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerNode, rescueStaleNodes } from '../../src/db/node-store.js';
import { claimTasks } from '../../src/db/sql/claim-tasks.js';
import { insertTasks, type TaskInsert } from '../../src/db/sql/insert-tasks.js';
import { uuidv7 } from '../../src/db/uuid-v7.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const LEASE_MS = 5_000;

function task(queue = 'q'): TaskInsert {
  return {
    id: uuidv7(),
    queue,
    type: 'T',
    priority: 0,
    payloadJson: '{}',
    maxAttempts: 3,
    backoffMs: 10,
    timeoutMs: null,
    runAt: null,
    delayMs: 0,
    dedupeKey: null,
    claimed: true,
  };
}

/** A node declared dead by another one must not lock tasks under its old id: nobody would free them. */
describe('claims of a node declared dead', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  beforeEach(async () => {
    await pool.query('delete from task_events; delete from tasks; delete from nodes');
    await registerNode(pool, 'rescuer');
    await registerNode(pool, 'sleeper');
  });

  async function goStale(nodeId: string): Promise<void> {
    await pool.query(`update nodes set heartbeat_at = now() - interval '1 hour' where id = $1`, [nodeId]);
  }

  async function lockedBy(nodeId: string): Promise<number> {
    const { rows } = await pool.query(`select count(*)::int as n from tasks where locked_by = $1`, [nodeId]);
    return rows[0].n;
  }

  it('a claim after the rescue takes nothing and says the node is dead', async () => {
    await insertTasks(pool, [task(), task()], null);
    await goStale('sleeper');
    await rescueStaleNodes(pool, { leaseMs: LEASE_MS, nodeId: 'rescuer' });
    const claim = await claimTasks(pool, { queue: 'q', limit: 10, nodeId: 'sleeper', oldestShare: 0 });
    expect(claim).toEqual({ alive: false, tasks: [] });
    expect(await lockedBy('sleeper')).toBe(0);
    // A live node still claims them.
    const live = await claimTasks(pool, { queue: 'q', limit: 10, nodeId: 'rescuer', oldestShare: 0 });
    expect(live.alive).toBe(true);
    expect(live.tasks).toHaveLength(2);
  });

  it('an enqueue that asks to claim at insert stores the tasks unclaimed and reports the refusal', async () => {
    await goStale('sleeper');
    await rescueStaleNodes(pool, { leaseMs: LEASE_MS, nodeId: 'rescuer' });
    const batch = [task(), task()];
    const inserted = await insertTasks(pool, batch, null, 'sleeper');
    expect(inserted.ids).toEqual(new Set(batch.map((t) => t.id)));
    expect(inserted.claimedIds.size).toBe(0);
    expect(inserted.claimRefused).toBe(true);
    expect(await lockedBy('sleeper')).toBe(0);
    // A live node's claim at insert holds them, and is not refused.
    const mine = await insertTasks(pool, [task()], null, 'rescuer');
    expect(mine.claimedIds.size).toBe(1);
    expect(mine.claimRefused).toBe(false);
  });

  it('a claim in flight while the rescue runs is rescued too, not left locked', async () => {
    await insertTasks(pool, [task(), task(), task()], null);
    await goStale('sleeper');
    // The sleeper's claim commits only after the rescue has started: the rescue waits for it.
    const claimer = await pool.connect();
    try {
      await claimer.query('begin');
      const claim = await claimTasks(claimer as unknown as pg.Pool, {
        queue: 'q',
        limit: 10,
        nodeId: 'sleeper',
        oldestShare: 0,
      });
      expect(claim.tasks).toHaveLength(3);
      const rescue = rescueStaleNodes(pool, { leaseMs: LEASE_MS, nodeId: 'rescuer' });
      await waitForLockWait(pool);
      await claimer.query('commit');
      const rescued = await rescue;
      expect(rescued.map((t) => t.fromNode)).toEqual(['sleeper', 'sleeper', 'sleeper']);
    } finally {
      claimer.release();
    }
    expect(await lockedBy('sleeper')).toBe(0);
    const { rows } = await pool.query(`select stopped_at from nodes where id = 'sleeper'`);
    expect(rows[0].stopped_at).not.toBeNull();
  });
});

/** Resolves once some backend of this database waits on a row lock (the rescue behind the claim). */
async function waitForLockWait(pool: pg.Pool): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await pool.query(
      `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
    );
    if (rows[0].n > 0) return;
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error('the rescue never waited for the claim');
}
