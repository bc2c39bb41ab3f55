import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createBuiltInRegistry } from '../../src/tasks/built-in.js';
import { type EngineSetup, recordingHandler, setupEngines } from '../support/engine.js';
import { ManualClock } from '../support/manual-clock.js';
import { TaskEvents } from '../support/task-events.js';

function startChild(url: string): Promise<{ child: ChildProcess; nodeId: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fixtures/engine-child.ts', import.meta.url).pathname],
    {
      env: { ...process.env, DATABASE_URL: url, POOL_SIZE: '4' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready (\S+)/.exec(output);
      if (match) resolve({ child, nodeId: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`engine child exited early with ${code}`)));
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('engine recovery', () => {
  let setup: EngineSetup;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await setup?.teardown();
  });

  it('cancels a waiting task and aborts a running one', async () => {
    let aborted = 0;
    setup = await setupEngines({
      handlers: [
        recordingHandler({
          starts: new Map(),
          run: (_p, ctx) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => {
                aborted++;
                reject(new Error('aborted'));
              });
            }),
        }),
      ],
    });
    const engine = await setup.startEngine({ config: { queue: { workerPoolSize: 1 } } });
    const { accepted } = await engine.enqueueBatch([
      { type: 'Record', payload: {} },
      { type: 'Record', payload: {} },
    ]);
    const [running, waiting] = accepted.map((task) => task.id) as [string, string];
    await waitFor(
      async () => (await engine.getTask(running))?.status === 'running',
      5000,
      'the first task to run',
    );
    expect((await engine.cancelTask(waiting)).status).toBe('cancelled');
    expect((await engine.cancelTask(running)).status).toBe('cancelled');
    expect(aborted).toBe(1);
    await expect(engine.cancelTask(running)).rejects.toMatchObject({ code: 'invalid_state' });
    // The cancel wrote its state before it answered; the aborted attempt writes nothing after it.
    for (const id of [running, waiting]) {
      const task = await engine.getTask(id);
      expect(task).toMatchObject({ status: 'cancelled', lockedBy: null });
    }
    expect(engine.stats().running).toBe(0);
  });

  it('fails an attempt that runs past its timeout and frees the slot, even if the handler ignores the signal', async () => {
    const starts = new Map<string, number>();
    setup = await setupEngines({
      handlers: [
        recordingHandler({
          starts,
          run: (p) => (p.hang ? new Promise(() => {}) : 'done'),
        }),
      ],
    });
    const engine = await setup.startEngine({ config: { queue: { workerPoolSize: 1 } } });
    const { accepted } = await engine.enqueueBatch([
      { type: 'Record', payload: { hang: true }, timeoutMs: 200, maxRetries: 0 },
      { type: 'Record', payload: {} },
    ]);
    await setup.waitForFinished(2);
    expect(await engine.getTask(accepted[0]!.id)).toMatchObject({
      status: 'dead',
      error: expect.stringMatching(/timeout/),
    });
    expect(await engine.getTask(accepted[1]!.id)).toMatchObject({ status: 'succeeded' });
  });

  it('two engines on one database never start a task twice', async () => {
    const starts = new Map<string, number>();
    setup = await setupEngines({ handlers: [recordingHandler({ starts })] });
    const a = await setup.startEngine();
    await setup.startEngine();
    await a.enqueueBatch(Array.from({ length: 2000 }, () => ({ type: 'Record', payload: {} })));
    await setup.waitForFinished(2000, 30_000);
    expect(starts.size).toBe(2000);
    expect([...starts.values()].filter((count) => count !== 1)).toEqual([]);
    const { rows } = await setup.db.pool.query(
      `select count(*)::int as n, count(distinct node_id)::int as nodes from task_events where to_status = 'running'`,
    );
    expect(rows[0]).toEqual({ n: 2000, nodes: 2 });
  });

  it('discards the late outcome of a worker whose lease was taken', async () => {
    let release: (() => void) | undefined;
    setup = await setupEngines({
      handlers: [
        recordingHandler({
          starts: new Map(),
          run: (p) =>
            p.slow ? new Promise<string>((resolve) => (release = () => resolve('late'))) : 'fresh',
        }),
      ],
    });
    const engine = await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([{ type: 'Record', payload: { slow: true } }]);
    const id = accepted[0]!.id;
    await waitFor(async () => (await engine.getTask(id))?.status === 'running', 5000, 'the task to run');
    // Another node takes the task over (as a rescuer would): a new attempt that already succeeded.
    await setup.db.pool.query(
      `update tasks set status = 'succeeded', attempts = attempts + 1, locked_by = null, result = '"other node"' where id = $1`,
      [id],
    );
    release!();
    // Outcomes are flushed in the order they were recorded: once a task recorded after the late
    // outcome is written, the late one has been tried against its fence.
    const events = TaskEvents.watch(engine);
    await new Promise((done) => setImmediate(done));
    const { accepted: after } = await engine.enqueueBatch([{ type: 'Record', payload: {} }]);
    await events.next({ kind: 'succeeded', taskId: after[0]!.id });
    expect(await engine.getTask(id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: 'other node',
    });
    const history = await engine.getTaskHistory(id);
    expect(history.map((h) => h.toStatus)).toEqual(['queued', 'running']);
  });

  it('rescues the tasks of a killed process once the clock passes its lease; every task still ends succeeded', async () => {
    setup = await setupEngines({ handlers: createBuiltInRegistry().handlers() });
    const { child, nodeId } = await startChild(setup.db.url);
    children.push(child);
    const enqueuer = await setup.startEngine({ processTasks: false });
    await enqueuer.enqueueBatch(
      Array.from({ length: 30 }, () => ({ type: 'Sleep', payload: { duration: 300 } })),
    );
    await waitFor(
      async () =>
        (await setup.db.pool.query(`select count(*)::int as n from tasks where status = 'running'`)).rows[0]
          .n >= 4,
      10_000,
      'the child to run tasks',
    );
    child.kill('SIGKILL');
    const { rows: orphaned } = await setup.db.pool.query(
      `select count(*)::int as n from tasks where locked_by = $1`,
      [nodeId],
    );
    expect(orphaned[0].n).toBeGreaterThan(0);
    // The rescuer's clock, not the real lease timeout, decides when the killed node is stale: moved
    // an hour on, the child's last heartbeat is long past its lease (and the rescuer has been
    // connected for a whole lease, its rule before it declares anyone dead).
    const clock = new ManualClock();
    await setup.startEngine({ config: { queue: { workerPoolSize: 8 } }, clock });
    clock.advance(60 * 60_000);
    await setup.waitForFinished(30, 30_000);
    const { rows } = await setup.db.pool.query(
      `select status, count(*)::int as n from tasks group by status`,
    );
    expect(rows).toEqual([{ status: 'succeeded', n: 30 }]);
    const { rows: lost } = await setup.db.pool.query(
      `select count(*)::int as n from task_events where error like 'worker lost%'`,
    );
    expect(lost[0].n).toBeGreaterThanOrEqual(4);
  });

  it('graceful stop finishes running work, releases the rest, and leaves nothing claimed', async () => {
    setup = await setupEngines({ handlers: createBuiltInRegistry().handlers() });
    const engine = await setup.startEngine({
      config: { queue: { workerPoolSize: 2 }, shutdown: { timeout: 2000 } },
    });
    await engine.enqueueBatch([
      ...Array.from({ length: 2 }, () => ({ type: 'Sleep', payload: { duration: 300 } })),
      ...Array.from({ length: 2 }, () => ({ type: 'Sleep', payload: { duration: 60_000 } })),
      ...Array.from({ length: 20 }, () => ({ type: 'Sleep', payload: { duration: 10 } })),
    ]);
    await waitFor(
      async () =>
        (await setup.db.pool.query(`select count(*)::int as n from tasks where status = 'running'`)).rows[0]
          .n >= 1,
      5000,
      'tasks to run',
    );
    await engine.stop();
    const { rows } = await setup.db.pool.query(
      `select count(*) filter (where locked_by is not null)::int as locked,
              count(*) filter (where status = 'running')::int as running,
              count(*) filter (where status = 'succeeded')::int as succeeded
       from tasks`,
    );
    expect(rows[0].locked).toBe(0);
    expect(rows[0].running).toBe(0);
    expect(rows[0].succeeded).toBeGreaterThanOrEqual(1);
    const nodes = await setup.db.pool.query(`select count(*)::int as n from nodes where stopped_at is null`);
    expect(nodes.rows[0].n).toBe(0);
  });
});
