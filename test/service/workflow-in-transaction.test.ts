import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPgtask, defineHandler, EngineError, type Pgtask } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLog } from '../support/engine.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("a workflow (dependsOn) enqueued inside the caller's transaction", () => {
  let db: TestDatabase;
  let callerPool: pg.Pool;
  let pgtask: Pgtask;
  /** What each Step saw as ctx.parents, by task id. */
  const parentsSeen = new Map<string, Record<string, unknown>>();
  let holdStarted = deferred();
  let holdRelease = deferred();

  const step = defineHandler({
    type: 'Step',
    payloadSchema: z.object({ name: z.string() }),
    run(payload, ctx) {
      parentsSeen.set(ctx.taskId, { ...ctx.parents });
      return { step: payload.name };
    },
  });
  const hold = defineHandler({
    type: 'Hold',
    payloadSchema: z.object({}),
    async run() {
      holdStarted.resolve();
      await holdRelease.promise;
      return { held: true };
    },
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    callerPool = new pg.Pool({ connectionString: db.url, max: 3 });
    await db.pool.query('create table orders (id int primary key)');
  });
  afterEach(async () => {
    holdRelease.resolve();
    await pgtask?.stop();
  });
  afterAll(async () => {
    await callerPool.end();
    await db.drop();
  });

  async function start(): Promise<Pgtask> {
    pgtask = createPgtask({
      databaseUrl: db.url,
      handlers: [step, hold],
      logger: testLog,
      // A poll every minute: a child that runs within a test was released and woken by NOTIFY.
      config: { queue: { pollInterval: '60s', workerPoolSize: 4 } },
    });
    await pgtask.start();
    return pgtask;
  }

  /** Runs `work` in BEGIN on a caller's connection; `end` says how the transaction ends. */
  async function inCallerTransaction<T>(
    end: 'commit' | 'rollback',
    work: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const client = await callerPool.connect();
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query(end);
      return result;
    } finally {
      client.release();
    }
  }

  const rowCounts = async (ids: string[]) => {
    const { rows } = await db.pool.query<{ tasks: number; edges: number; events: number }>(
      `select (select count(*) from tasks where id = any($1::uuid[]))::int as tasks,
              (select count(*) from task_dependencies where child_id = any($1::uuid[]) or parent_id = any($1::uuid[]))::int as edges,
              (select count(*) from task_events where task_id = any($1::uuid[]))::int as events`,
      [ids],
    );
    return rows[0];
  };

  it('commits with the order: the parent runs, then the child with ctx.parents', async () => {
    await start();
    const { accepted } = await inCallerTransaction('commit', async (client) => {
      await client.query('insert into orders values (1)');
      const result = await pgtask.enqueue(
        [
          { type: 'Step', payload: { name: 'charge' } },
          { type: 'Step', payload: { name: 'receipt' }, dependsOn: [0] },
        ],
        { client },
      );
      // Nothing is visible outside the caller's transaction yet.
      expect(await rowCounts(result.accepted.map((task) => task.id))).toEqual({
        tasks: 0,
        edges: 0,
        events: 0,
      });
      return result;
    });
    expect(accepted.map((task) => task.status)).toEqual(['queued', 'blocked']);
    const [parent, child] = accepted.map((task) => task.id) as [string, string];
    expect(await pgtask.waitForTask(child)).toMatchObject({
      status: 'succeeded',
      result: { step: 'receipt' },
    });
    expect(parentsSeen.get(child)).toEqual({ [parent]: { step: 'charge' } });
    const history = await db.pool.query<{ to_status: string }>(
      'select to_status from task_events where task_id = $1 order by id',
      [child],
    );
    expect(history.rows.map((row) => row.to_status)).toEqual(['blocked', 'queued', 'running', 'succeeded']);
  });

  it('rolls back to nothing: no tasks, no edges, no history, the named parent untouched', async () => {
    await start();
    const existing = (await pgtask.enqueue([{ type: 'Step', payload: { name: 'old' }, delayMs: 3_600_000 }]))
      .accepted[0]!.id;
    const { accepted } = await inCallerTransaction('rollback', async (client) => {
      await client.query('insert into orders values (2)');
      return pgtask.enqueue(
        [
          { type: 'Step', payload: { name: 'a' } },
          { type: 'Step', payload: { name: 'b' }, dependsOn: [0, existing] },
        ],
        { client },
      );
    });
    expect(await rowCounts(accepted.map((task) => task.id))).toEqual({ tasks: 0, edges: 0, events: 0 });
    const { rows } = await db.pool.query(
      `select has_dependents, (select count(*)::int from task_dependencies where parent_id = $1) as edges,
              (select count(*)::int from orders where id = 2) as orders
       from tasks where id = $1`,
      [existing],
    );
    expect(rows[0]).toEqual({ has_dependents: false, edges: 0, orders: 0 });
  });

  it('locks no existing parent while open: a running parent ends meanwhile, the child follows at commit', async () => {
    await start();
    holdStarted = deferred();
    holdRelease = deferred();
    const parent = (await pgtask.enqueue([{ type: 'Hold', payload: {} }])).accepted[0]!.id;
    await holdStarted.promise;
    const client = await callerPool.connect();
    try {
      await client.query('begin');
      const { accepted } = await pgtask.enqueue(
        [{ type: 'Step', payload: { name: 'after' }, dependsOn: [parent] }],
        {
          client,
        },
      );
      expect(accepted[0]!.status).toBe('blocked');
      // The parent's outcome is written while the caller's transaction stays open: nothing of
      // that transaction holds the parent's row.
      holdRelease.resolve();
      expect(await pgtask.waitForTask(parent, { timeoutMs: 10_000 })).toMatchObject({ status: 'succeeded' });
      await client.query('commit');
      expect(await pgtask.waitForTask(accepted[0]!.id)).toMatchObject({ status: 'succeeded' });
      expect(parentsSeen.get(accepted[0]!.id)).toEqual({ [parent]: { held: true } });
    } finally {
      client.release();
    }
  });

  it('a parent still running at the commit releases the child when it ends', async () => {
    await start();
    holdStarted = deferred();
    holdRelease = deferred();
    const parent = (await pgtask.enqueue([{ type: 'Hold', payload: {} }])).accepted[0]!.id;
    await holdStarted.promise;
    const { accepted } = await inCallerTransaction('commit', (client) =>
      pgtask.enqueue([{ type: 'Step', payload: { name: 'later' }, dependsOn: [parent] }], { client }),
    );
    const child = accepted[0]!.id;
    expect((await pgtask.getTask(child))?.status).toBe('blocked');
    holdRelease.resolve();
    expect(await pgtask.waitForTask(child)).toMatchObject({ status: 'succeeded' });
  });

  it('a cancelled parent cancels the child at the commit', async () => {
    await start();
    const parent = (await pgtask.enqueue([{ type: 'Step', payload: { name: 'p' }, delayMs: 3_600_000 }]))
      .accepted[0]!.id;
    await pgtask.cancel(parent);
    const { accepted } = await inCallerTransaction('commit', (client) =>
      pgtask.enqueue([{ type: 'Step', payload: { name: 'c' }, dependsOn: [parent] }], { client }),
    );
    expect(accepted[0]!.status).toBe('blocked');
    expect(await pgtask.getTask(accepted[0]!.id)).toMatchObject({
      status: 'cancelled',
      error: `parent ${parent} cancelled`,
    });
  });

  it('an unknown parent is refused and leaves the caller transaction usable and empty of the batch', async () => {
    await start();
    const unknown = '0190b0b0-0000-7000-8000-000000000001';
    const ids: string[] = [];
    await inCallerTransaction('commit', async (client) => {
      await client.query('insert into orders values (3)');
      const refused = await pgtask
        .enqueue(
          [
            { type: 'Step', payload: { name: 'x' } },
            { type: 'Step', payload: { name: 'y' }, dependsOn: [0, unknown] },
          ],
          { client },
        )
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EngineError);
      expect(refused).toMatchObject({
        code: 'validation_failed',
        details: [{ index: 1, path: 'dependsOn', message: `no task with id ${unknown}` }],
      });
      // Still usable: the order commits.
      await client.query('insert into orders values (4)');
      const { rows } = await client.query<{ id: string }>(
        `select id from tasks where payload->>'name' in ('x', 'y')`,
      );
      ids.push(...rows.map((row) => row.id));
    });
    expect(ids).toEqual([]);
    const orders = await db.pool.query('select id from orders where id in (3, 4) order by id');
    expect(orders.rows).toEqual([{ id: 3 }, { id: 4 }]);
  });

  it('says so when the client is not inside a transaction', async () => {
    await start();
    const client = await callerPool.connect();
    try {
      const refused = await pgtask
        .enqueue(
          [
            { type: 'Step', payload: { name: 'no-begin-1' } },
            { type: 'Step', payload: { name: 'no-begin-2' }, dependsOn: [0] },
          ],
          { client },
        )
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('inside a transaction'),
      });
    } finally {
      client.release();
    }
    const { rows } = await db.pool.query(
      `select count(*)::int as n from tasks where payload->>'name' like 'no-begin-%'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
