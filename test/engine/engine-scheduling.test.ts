import { afterEach, describe, expect, it } from 'vitest';
import { type EngineSetup, recordingHandler, setupEngines } from '../support/engine.js';
import { ManualClock } from '../support/manual-clock.js';
import { TaskEvents } from '../support/task-events.js';

describe('engine scheduling', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('runs by priority, FIFO within a priority, with one worker', async () => {
    const order: number[] = [];
    setup = await setupEngines({
      handlers: [recordingHandler({ starts: new Map(), run: (p) => void order.push(p.n as number) })],
      config: { queue: { workerPoolSize: 1 } },
    });
    const engine = await setup.startEngine({
      config: { queue: { workerPoolSize: 1, starvationEvery: 0, claimOldestShare: 0 } },
    });
    await engine.pauseQueue('default');
    const priorities = [0, 5, 0, -2, 5, 9, 0, -2];
    await engine.enqueueBatch(
      priorities.map((priority, n) => ({ type: 'Record', payload: { n }, priority })),
    );
    await engine.resumeQueue('default');
    await setup.waitForFinished(priorities.length);
    expect(order).toEqual([5, 1, 4, 0, 2, 6, 3, 7]);
  });

  it('reserves a share of every claim for the oldest tasks, so a low priority in the backlog is not starved', async () => {
    const order: string[] = [];
    setup = await setupEngines({
      handlers: [recordingHandler({ starts: new Map(), run: (p) => void order.push(p.tag as string) })],
    });
    // A small buffer: most of the backlog stays in PostgreSQL, where the claim share matters.
    const config = {
      queue: { workerPoolSize: 2, maxBufferSize: 10, claimOldestShare: 0.2, starvationEvery: 0 },
    };
    const engine = await setup.startEngine({ config });
    await engine.pauseQueue('default');
    await engine.enqueueBatch([{ type: 'Record', payload: { tag: 'low' }, priority: -10 }]);
    await engine.enqueueBatch(
      Array.from({ length: 200 }, () => ({ type: 'Record', payload: { tag: 'high' }, priority: 10 })),
    );
    await engine.resumeQueue('default');
    await setup.waitForFinished(201);
    // Without the share the low task would run last (position 201); with it, in the first claim.
    expect(order.indexOf('low')).toBeLessThan(20);
  });

  it('holds a queue at its own concurrency limit', async () => {
    let running = 0;
    let peak = 0;
    setup = await setupEngines({
      handlers: [
        recordingHandler({
          starts: new Map(),
          run: async () => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((done) => setTimeout(done, 30));
            running--;
          },
        }),
      ],
    });
    await setup.startEngine({
      config: { queue: { workerPoolSize: 8, queues: [{ id: 'narrow', workers: 2 }] } },
    });
    const engine = setup.engines[0]!;
    await engine.enqueueBatch(
      Array.from({ length: 20 }, () => ({ type: 'Record', queue: 'narrow', payload: {} })),
    );
    await setup.waitForFinished(20);
    expect(peak).toBe(2);
  });

  it('does not run a task before its runAt / delay, by the clock', async () => {
    const startedAt = new Map<string, number>();
    const clock = new ManualClock();
    setup = await setupEngines({
      handlers: [
        recordingHandler({
          starts: new Map(),
          run: (_p, ctx) => void startedAt.set(ctx.taskId, clock.now()),
        }),
      ],
    });
    const engine = await setup.startEngine({ clock });
    const events = TaskEvents.watch(engine);
    const before = clock.now();
    const { accepted } = await engine.enqueueBatch([
      { type: 'Record', payload: {}, delayMs: 600 },
      { type: 'Record', payload: {}, runAt: new Date(before + 900) },
    ]);
    const [delayed, scheduled] = accepted.map((task) => task.id) as [string, string];
    expect(await engine.explainWait(delayed)).toMatchObject({ reason: 'scheduled' });
    expect(await engine.explainWait(scheduled)).toMatchObject({ reason: 'scheduled' });
    clock.advance(600);
    await events.next({ kind: 'succeeded', taskId: delayed });
    expect(startedAt.get(delayed)).toBe(before + 600);
    expect(await engine.explainWait(scheduled)).toMatchObject({ reason: 'scheduled' });
    clock.advance(300);
    await events.next({ kind: 'succeeded', taskId: scheduled });
    expect(startedAt.get(scheduled)).toBe(before + 900);
  });

  it('dedupes on (queue, key) while queued or running, across two concurrent enqueuers, and accepts the key again after completion', async () => {
    setup = await setupEngines({ handlers: [recordingHandler({ starts: new Map() })] });
    const a = await setup.startEngine({ processTasks: false });
    const b = await setup.startEngine({ processTasks: false });
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const [ra, rb] = await Promise.all([
      a.enqueueBatch(keys.map((key) => ({ type: 'Record', payload: {}, dedupeKey: key }))),
      b.enqueueBatch(keys.map((key) => ({ type: 'Record', payload: {}, dedupeKey: key }))),
    ]);
    expect(ra.accepted.length + rb.accepted.length).toBe(50);
    expect(ra.duplicates.length + rb.duplicates.length).toBe(50);
    const { rows } = await setup.db.pool.query('select count(*)::int as n from tasks');
    expect(rows[0].n).toBe(50);
    // Same key in another queue is a different task; same key twice in one batch is one task.
    const again = await a.enqueueBatch([
      { type: 'Record', payload: {}, dedupeKey: 'key-1', queue: 'other' },
      { type: 'Record', payload: {}, dedupeKey: 'fresh' },
      { type: 'Record', payload: {}, dedupeKey: 'fresh' },
    ]);
    expect(again.accepted.map((t) => t.index)).toEqual([0, 1]);
    expect(again.duplicates).toEqual([{ index: 2, key: 'fresh', queue: 'default' }]);
    await setup.db.pool.query(`update tasks set status = 'succeeded' where dedupe_key = 'key-2'`);
    const reused = await a.enqueueBatch([{ type: 'Record', payload: {}, dedupeKey: 'key-2' }]);
    expect(reused.accepted).toHaveLength(1);
  });

  it('rejects a bad batch whole, listing every bad item, and stores nothing', async () => {
    setup = await setupEngines({ handlers: [recordingHandler({ starts: new Map() })] });
    const engine = await setup.startEngine({ processTasks: false });
    const error = await engine
      .enqueueBatch([
        { type: 'Record', payload: {} },
        { type: 'Nope', payload: {} },
        { type: 'Record', payload: {}, priority: 1.5 },
        { type: 'Record', payload: { s: 'a\u0000b' }, priority: 5000 },
        { type: 'Record', payload: { s: 'lone \udc00' } },
      ])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'validation_failed' });
    const details = (error as { details: Array<{ index: number; path: string }> }).details;
    expect(details.map((d) => [d.index, d.path])).toEqual([
      [1, 'taskType'],
      [2, 'priority'],
      [3, 'priority'],
      [3, 'payload'],
      [4, 'payload'],
    ]);
    const { rows } = await setup.db.pool.query('select count(*)::int as n from tasks');
    expect(rows[0].n).toBe(0);
  });
});

describe('enqueue on a node with room', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('takes tasks straight into its buffer up to maxBufferSize; the rest wait unclaimed in PostgreSQL', async () => {
    const release: Array<() => void> = [];
    setup = await setupEngines({
      handlers: [
        recordingHandler({ starts: new Map(), run: () => new Promise<void>((done) => release.push(done)) }),
      ],
    });
    const engine = await setup.startEngine({
      config: { queue: { workerPoolSize: 2, maxBufferSize: 10, claimOldestShare: 0 } },
    });
    await engine.enqueueBatch(
      Array.from({ length: 50 }, (_, n) => ({ type: 'Record', payload: { n }, priority: n % 3 })),
    );
    const { rows } = await setup.db.pool.query(
      `select count(*) filter (where locked_by = $1)::int as mine,
              count(*) filter (where locked_by is null)::int as unclaimed
       from tasks`,
      [engine.nodeId],
    );
    // 10 in the buffer at insert; once 2 of them start, the feeder may top the buffer up by 2.
    expect(rows[0].mine).toBeGreaterThanOrEqual(10);
    expect(rows[0].mine).toBeLessThanOrEqual(12);
    expect(rows[0].unclaimed).toBe(50 - rows[0].mine);
    // The ones it took are the batch's highest priorities.
    const taken = await setup.db.pool.query(
      `select min(priority)::int as lowest from tasks where locked_by = $1`,
      [engine.nodeId],
    );
    expect(taken.rows[0].lowest).toBe(2);
    while (release.length < 2) await new Promise((done) => setTimeout(done, 10));
    for (const done of release.splice(0)) done();
  });
});
