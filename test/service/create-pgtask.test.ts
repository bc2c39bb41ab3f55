import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../src/http.js';
import {
  ConfigError,
  createPgtask,
  defineHandler,
  EngineError,
  PermanentError,
  type Pgtask,
  type PgtaskOptions,
  type TaskLifecycleEvent,
} from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLog } from '../support/engine.js';

interface Greeter {
  greet(name: string): string;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Resolves with the first event of `kind` for task `id` (subscribe before the task can finish). */
function nextEvent(pgtask: Pgtask, id: () => string | undefined, kind: TaskLifecycleEvent['kind']) {
  const seen = deferred<TaskLifecycleEvent>();
  const unsubscribe = pgtask.subscribe((events) => {
    const event = events.find((candidate) => candidate.taskId === id() && candidate.kind === kind);
    if (event) {
      unsubscribe();
      seen.resolve(event);
    }
  });
  return seen.promise;
}

describe('createPgtask', () => {
  let db: TestDatabase;
  const instances: Pgtask[] = [];
  const starts = new Map<string, number>();
  let release = deferred();
  const blockerStarted = new Set<() => void>();

  const greet = defineHandler<Greeter>()({
    type: 'Greet',
    payloadSchema: z.object({ name: z.string() }),
    run(payload, ctx) {
      starts.set(ctx.taskId, (starts.get(ctx.taskId) ?? 0) + 1);
      return { greeting: ctx.services.greet(payload.name) };
    },
  });
  const refuse = defineHandler({
    type: 'Refuse',
    payloadSchema: z.object({}),
    run() {
      throw new PermanentError('refused on purpose');
    },
  });
  const block = defineHandler({
    type: 'Block',
    payloadSchema: z.object({}),
    async run() {
      for (const notify of blockerStarted) notify();
      await release.promise;
      return { released: true };
    },
  });

  async function start(overrides: Partial<PgtaskOptions<Greeter>> = {}): Promise<Pgtask> {
    const pgtask = createPgtask<Greeter>({
      databaseUrl: db.url,
      handlers: [greet, refuse, block],
      services: { greet: (name) => `hello, ${name}` },
      logger: testLog,
      // A poll every minute: anything that starts within a test was woken by NOTIFY.
      config: {
        queue: { pollInterval: '60s', workerPoolSize: 4 },
        lease: { heartbeatInterval: 200, timeout: 1000 },
      },
      ...overrides,
    });
    instances.push(pgtask);
    await pgtask.start();
    return pgtask;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  // One instance at a time: another one could claim a test's task and publish its events.
  afterEach(async () => {
    release.resolve();
    await Promise.all(instances.splice(0).map((pgtask) => pgtask.stop()));
  });
  afterAll(() => db.drop());

  it("runs a user's handler with the services it was given, and reads the result back", async () => {
    const pgtask = await start();
    let id: string | undefined;
    const succeeded = nextEvent(pgtask, () => id, 'succeeded');
    const { accepted } = await pgtask.enqueue([{ type: 'Greet', payload: { name: 'Ada' } }]);
    id = accepted[0]!.id;
    await succeeded;
    const task = await pgtask.getTask(id);
    expect(task).toMatchObject({ status: 'succeeded', type: 'Greet', result: { greeting: 'hello, Ada' } });
    expect(starts.get(id)).toBe(1);
  });

  it('rejects a bad batch whole, naming every problem, and stores nothing', async () => {
    const pgtask = await start();
    const error = await pgtask
      .enqueue([
        { type: 'Greet', payload: { name: 'ok' } },
        { type: 'Greet', payload: { name: 42 } },
        { type: 'Nope', payload: {} },
      ])
      .then(
        () => undefined,
        (thrown: unknown) => thrown as EngineError,
      );
    expect(error).toBeInstanceOf(EngineError);
    expect(error?.code).toBe('validation_failed');
    expect(error?.details).toEqual([
      expect.objectContaining({ index: 1, path: 'payload.name' }),
      expect.objectContaining({ index: 2, path: 'taskType' }),
    ]);
  });

  describe("enqueue inside the caller's transaction", () => {
    let callerPool: pg.Pool;
    beforeAll(() => {
      callerPool = new pg.Pool({ connectionString: db.url, max: 4 });
    });
    afterAll(() => callerPool.end());

    it('leaves no trace when the caller rolls back, and runs the tasks once it commits', async () => {
      const pgtask = await start();
      const client = await callerPool.connect();
      try {
        await client.query('begin');
        await client.query('create temporary table orders (id int) on commit drop');
        const rolledBack = await pgtask.enqueue([{ type: 'Greet', payload: { name: 'never' } }], { client });
        const ghost = rolledBack.accepted[0]!.id;
        // Not visible outside the caller's transaction, not even to the engine.
        expect(await pgtask.getTask(ghost)).toBeUndefined();
        await client.query('rollback');

        let id: string | undefined;
        const succeeded = nextEvent(pgtask, () => id, 'succeeded');
        await client.query('begin');
        const committed = await pgtask.enqueue([{ type: 'Greet', payload: { name: 'Grace' } }], { client });
        id = committed.accepted[0]!.id;
        expect(await pgtask.getTask(id)).toBeUndefined();
        await client.query('commit');
        // The poll is a minute away: the NOTIFY sent inside the transaction woke the feeder.
        await succeeded;
        expect(await pgtask.getTask(id)).toMatchObject({
          status: 'succeeded',
          result: { greeting: 'hello, Grace' },
        });
        expect(await pgtask.getTask(ghost)).toBeUndefined();
        await expect(pgtask.waitForTask(ghost)).rejects.toMatchObject({ code: 'task_not_found' });
        expect(await pgtask.waitForTask(id)).toMatchObject({ status: 'succeeded' });
        expect(starts.has(ghost)).toBe(false);
        const { rows } = await db.pool.query(
          'select count(*)::int as n from task_events where task_id = $1',
          [ghost],
        );
        expect(rows[0].n).toBe(0);
      } finally {
        client.release();
      }
    });

    it('lets two open caller transactions and a plain enqueue on the same queue proceed together', async () => {
      const pgtask = await start();
      const server = await pgtask.listen({ port: 0, host: '127.0.0.1' });
      const first = await callerPool.connect();
      const second = await callerPool.connect();
      try {
        await first.query('begin');
        await second.query('begin');
        await pgtask.enqueue([{ type: 'Block', queue: 'shared', delayMs: 3_600_000 }], { client: first });
        // Each of these would wait for the first transaction if it held a shared counter row.
        await pgtask.enqueue([{ type: 'Block', queue: 'shared', delayMs: 3_600_000 }], { client: second });
        await pgtask.enqueue([{ type: 'Block', queue: 'shared', delayMs: 3_600_000 }]);
        // A new queue name first seen inside a caller's transaction must not hold others up either.
        await pgtask.enqueue([{ type: 'Block', queue: 'fresh', delayMs: 3_600_000 }], { client: first });
        await pgtask.enqueue([{ type: 'Block', queue: 'fresh', delayMs: 3_600_000 }], { client: second });
        await pgtask.enqueue([{ type: 'Block', queue: 'fresh', delayMs: 3_600_000 }]);
        await first.query('commit');
        await second.query('rollback');
      } finally {
        first.release();
        second.release();
      }
      const response = await fetch(`http://127.0.0.1:${server.port}/queues`);
      const body = (await response.json()) as {
        queues: Array<{ name: string; counts: Record<string, number> }>;
      };
      const counts = Object.fromEntries(body.queues.map((queue) => [queue.name, queue.counts.queued]));
      // The exact counts: the committed caller's task and the plain one; the rolled-back one never was.
      expect(counts).toMatchObject({ shared: 2, fresh: 2 });
      await server.close();
    });
  });

  it('retries a dead task, cancels a waiting one, and says why it cannot do more', async () => {
    const pgtask = await start();
    let id: string | undefined;
    const dead = nextEvent(pgtask, () => id, 'dead');
    id = (await pgtask.enqueue([{ type: 'Refuse', payload: {} }])).accepted[0]!.id;
    await dead;
    expect(await pgtask.getTask(id)).toMatchObject({
      status: 'dead',
      error: expect.stringContaining('refused'),
    });
    const deadAgain = nextEvent(pgtask, () => id, 'dead');
    expect(await pgtask.retry(id)).toMatchObject({ status: 'queued', attempts: 0 });
    await deadAgain;

    const later = (await pgtask.enqueue([{ type: 'Greet', payload: { name: 'x' }, delayMs: 3_600_000 }]))
      .accepted[0]!.id;
    expect(await pgtask.cancel(later)).toMatchObject({ status: 'cancelled' });
    await expect(pgtask.cancel(later)).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await pgtask.retry(later)).toMatchObject({ status: 'queued' });
    // Queued again (or already run): either way not dead or cancelled, so not retryable.
    await expect(pgtask.retry(later)).rejects.toMatchObject({ code: 'invalid_state' });

    expect(await pgtask.getTask('0190b0b0-0000-7000-8000-000000000001')).toBeUndefined();
    expect(await pgtask.getTask('not-a-uuid')).toBeUndefined();
    await expect(pgtask.retry('not-a-uuid')).rejects.toMatchObject({ code: 'task_not_found' });
    await expect(pgtask.cancel('0190b0b0-0000-7000-8000-000000000001')).rejects.toMatchObject({
      code: 'task_not_found',
    });
  });

  it.each([
    [{ queue: { workerPoolSize: 0 } }, 'config: queue.workerPoolSize = 0 is invalid: expected more than 0'],
    [{ queue: { pollInterval: 'soon' } }, 'config: queue.pollInterval = "soon" is invalid'],
    [{ colour: 'blue' }, 'config: unknown key colour'],
  ])('refuses config %j with one line naming the key', (config, message) => {
    const create = () =>
      createPgtask({ databaseUrl: db.url, handlers: [], config: config as PgtaskOptions['config'] });
    expect(create).toThrow(ConfigError);
    try {
      create();
    } catch (error) {
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('refuses two handlers of one type, and use before start', async () => {
    expect(() => createPgtask({ databaseUrl: db.url, handlers: [greet, greet] })).toThrow(
      'task type Greet is registered twice',
    );
    const idle = createPgtask({ databaseUrl: db.url, handlers: [greet] });
    await expect(idle.enqueue([{ type: 'Greet', payload: { name: 'x' } }])).rejects.toThrow('not started');
    await idle.stop();
  });

  it("works on the caller's pool, serves the hono app, and leaves the pool open", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const pgtask = await start({ pool, databaseUrl: undefined });
    const app = createApp(pgtask);
    const response = await app.request('/readyz');
    expect(response.status).toBe(200);
    let id: string | undefined;
    const succeeded = nextEvent(pgtask, () => id, 'succeeded');
    id = (await pgtask.enqueue([{ type: 'Greet', payload: { name: 'pool' } }])).accepted[0]!.id;
    await succeeded;
    await pgtask.stop();
    expect((await pool.query('select 1 as one')).rows[0].one).toBe(1);
    await pool.end();
  });

  it('drains on stop(): a running task finishes and its outcome is written before stop resolves', async () => {
    const pgtask = await start();
    release = deferred();
    const running = deferred();
    blockerStarted.add(running.resolve);
    const id = (await pgtask.enqueue([{ type: 'Block', payload: {} }])).accepted[0]!.id;
    await running.promise;
    blockerStarted.delete(running.resolve);
    let stopped = false;
    const stopping = pgtask.stop().then(() => {
      stopped = true;
    });
    await expect(pgtask.enqueue([{ type: 'Greet', payload: { name: 'late' } }])).rejects.toThrow('stopped');
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    const { rows } = await db.pool.query('select status, result from tasks where id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'succeeded', result: { released: true } });
  });
});
