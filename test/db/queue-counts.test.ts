import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNode } from '../../src/db/node-store.js';
import { claimTasks } from '../../src/db/sql/claim-tasks.js';
import { TaskStore } from '../../src/db/task-store.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** queue_counts must equal a real count after every kind of statement that touches tasks. */
describe('queue_counts', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  async function expectCountsMatchTable() {
    // What readers see before the lease round folded the deltas, and what the fold leaves.
    const summaries = await new TaskStore(db.pool).queueSummaries(() => 0);
    const read = summaries
      .flatMap((queue) =>
        Object.entries(queue.counts)
          .filter(([, n]) => n > 0)
          .map(([status, n]) => ({ queue: queue.name, status, n })),
      )
      .sort((a, b) => `${a.queue} ${a.status}`.localeCompare(`${b.queue} ${b.status}`));
    await new TaskStore(db.pool).foldQueueCountDeltas();
    const actual = await db.pool.query(
      `select queue, status, count(*)::int as n from tasks group by 1, 2 order by 1, 2`,
    );
    const kept = await db.pool.query(
      `select queue, status, count::int as n from queue_counts where count <> 0 order by 1, 2`,
    );
    expect(kept.rows).toEqual(actual.rows);
    expect(read).toEqual(actual.rows);
  }

  it('stays exact through inserts, claims, status changes and deletes', async () => {
    await db.pool.query(
      `insert into tasks (id, queue, type, status, payload, max_attempts, backoff_ms)
       select gen_random_uuid(), case when g % 3 = 0 then 'a' else 'b' end, 'T', 'queued', '{}', 1, 1
       from generate_series(1, 300) g`,
    );
    await expectCountsMatchTable();
    await registerNode(db.pool, 'n1');
    const { tasks: claimed } = await claimTasks(db.pool, {
      queue: 'b',
      limit: 50,
      nodeId: 'n1',
      oldestShare: 0.1,
    });
    // The oldest-first share may overlap the priority part of a claim, so it can come back short.
    expect(claimed.length).toBeGreaterThanOrEqual(45);
    await expectCountsMatchTable();
    // The claim's skip flag is local to its own statement: the next update is counted again.
    await db.pool.query(`update tasks set status = 'running' where locked_by = 'n1'`);
    await expectCountsMatchTable();
    await db.pool.query(`update tasks set status = 'succeeded' where status = 'running' and queue = 'b'`);
    await db.pool.query(
      `update tasks set status = 'dead' where queue = 'a' and status = 'queued' and random() < 0.5`,
    );
    await expectCountsMatchTable();
    await db.pool.query(`delete from tasks where status = 'succeeded'`);
    await expectCountsMatchTable();
  });

  it('lets writers of one queue commit without waiting on each other: no shared counter row is locked', async () => {
    await db.pool.query(
      `insert into tasks (id, queue, type, status, payload, max_attempts, backoff_ms)
       select gen_random_uuid(), 'shared', 'T', 'queued', '{}', 1, 1 from generate_series(1, 4)`,
    );
    const open = await db.pool.connect();
    const other = await db.pool.connect();
    try {
      // One writer holds its insert and its status change open, uncommitted...
      await open.query('begin');
      await open.query(
        `insert into tasks (id, queue, type, status, payload, max_attempts, backoff_ms)
         values (gen_random_uuid(), 'shared', 'T', 'queued', '{}', 1, 1)`,
      );
      await open.query(
        `update tasks set status = 'succeeded'
          where id = (select id from tasks where queue = 'shared' and status = 'queued' order by id limit 1)`,
      );
      // ...and another writer's insert and status change of the same queue go through at once:
      // a lock wait would hit lock_timeout and fail the statement.
      await other.query('begin');
      await other.query(`set local lock_timeout = '2s'`);
      await other.query(
        `insert into tasks (id, queue, type, status, payload, max_attempts, backoff_ms)
         values (gen_random_uuid(), 'shared', 'T', 'queued', '{}', 1, 1)`,
      );
      await other.query(
        `update tasks set status = 'dead'
          where id = (select id from tasks where queue = 'shared' and status = 'queued' order by id desc limit 1)`,
      );
      await other.query('commit');
      await open.query('commit');
    } finally {
      open.release();
      other.release();
    }
    await expectCountsMatchTable();
  });

  it("counts an open transaction's inserts as deltas, which the fold moves into queue_counts once committed", async () => {
    const store = new TaskStore(db.pool);
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query(
        `insert into tasks (id, queue, type, status, payload, max_attempts, backoff_ms)
         select gen_random_uuid(), 'caller', 'T', 'queued', '{}', 1, 1 from generate_series(1, 7)`,
      );
      // Still open: the fold sees nothing to move, and the shared counter row was never touched.
      await store.foldQueueCountDeltas();
      await client.query('commit');
    } finally {
      client.release();
    }
    const summary = async () =>
      (await store.queueSummaries(() => 0)).find((queue) => queue.name === 'caller')?.counts.queued;
    expect(await summary()).toBe(7);
    const pending = await db.pool.query('select count(*)::int as n from queue_count_deltas');
    expect(pending.rows[0].n).toBe(1);
    await store.foldQueueCountDeltas();
    expect((await db.pool.query('select count(*)::int as n from queue_count_deltas')).rows[0].n).toBe(0);
    expect(await summary()).toBe(7);
    await expectCountsMatchTable();
  });
});
