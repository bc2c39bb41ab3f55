import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadRunner } from '../../src/engine/thread-runner.js';
import { createLogger } from '../../src/logger.js';
import { isPermanent, type TaskLogger } from '../../src/tasks/task-handler.js';

const moduleUrl = new URL('./fixtures/thread-test-handler.ts', import.meta.url).href;
const log = createLogger({ level: 'silent', pretty: false });
const runners: ThreadRunner[] = [];

function setup(size: number) {
  const runner = new ThreadRunner({ size, log });
  runners.push(runner);
  let next = 0;
  const run = (
    payload: unknown,
    options: { signal?: AbortSignal; timeoutMs?: number; log?: TaskLogger } = {},
  ) =>
    runner.run({
      moduleUrl,
      payload,
      ctx: { taskId: `task-${++next}`, attempt: 1, queue: 'default' },
      ...options,
    });
  return { runner, run };
}

function hashChain(rounds: number): string {
  let digest = Buffer.from('seed');
  for (let round = 0; round < rounds; round++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

async function p99LagWhileIdle(ms: number): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  await new Promise((done) => setTimeout(done, ms));
  delay.disable();
  return delay.percentile(99) / 1e6;
}

afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

describe('ThreadRunner', () => {
  it('runs the default export of the module in a thread and returns its result', async () => {
    const { runner } = setup(2);
    const result = await runner.run({
      moduleUrl,
      payload: { kind: 'context' },
      ctx: { taskId: 'abc', attempt: 3, queue: 'reports' },
    });
    expect(result).toEqual({ taskId: 'abc', attempt: 3, queue: 'reports', aborted: false });
    const { run } = setup(1);
    await expect(run({ kind: 'echo', value: { nested: [1, 'two', null] } })).resolves.toEqual({
      nested: [1, 'two', null],
    });
    await expect(run({ kind: 'hash', rounds: 1000 })).resolves.toBe(hashChain(1000));
  });

  it('keeps the event loop free (lag < 50 ms) while CPU tasks saturate every thread', async (context) => {
    // Every core but one, as the engine sizes its pool: the event loop keeps a core to itself.
    const threads = Math.max(1, availableParallelism() - 1);
    const { runner, run } = setup(threads);
    const rounds = 150_000;
    const expected = hashChain(rounds);
    // Start the threads first: the measurement is about running tasks, not booting threads.
    await Promise.all(Array.from({ length: threads }, (_, value) => run({ kind: 'echo', value })));
    const started = performance.now();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const results = Array.from({ length: 3 * threads }, () => run({ kind: 'hash', rounds }));
    expect(runner.busy).toBe(threads);
    expect(runner.waiting).toBe(2 * threads);
    const digests = await Promise.all(results);
    delay.disable();

    expect(digests).toEqual(Array(3 * threads).fill(expected));
    // The 99th percentile, not the max: on a shared machine one OS preemption can stall any
    // process once, while a task blocking the loop (the bug this guards against) delays every
    // sample taken during its run, and those dominate the few samples such a run leaves.
    const lagMs = delay.percentile(99) / 1e6;
    if (lagMs >= 50) {
      // On a machine so loaded that this process stalls as long while idle (other processes'
      // benchmarks, say), the check measures the machine, not the runner: say so and skip.
      const idleLagMs = await p99LagWhileIdle(2 * (performance.now() - started));
      if (idleLagMs >= 50) {
        context.skip(
          `lag ${Math.round(lagMs)} ms, but the machine stalls this process ${Math.round(idleLagMs)} ms idle`,
        );
      }
    }
    expect(lagMs, `p99 ${lagMs.toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`).toBeLessThan(50);
  });

  it('runs the handler of the task type when the module default-exports an array of them', async () => {
    const { runner } = setup(1);
    const arrayModule = new URL('./fixtures/thread-array-handlers.ts', import.meta.url).href;
    const ctx = { taskId: 'abc', attempt: 1, queue: 'default' };
    await expect(
      runner.run({ moduleUrl: arrayModule, type: 'Double', payload: { n: 7 }, ctx }),
    ).resolves.toBe(14);
    await expect(
      runner.run({ moduleUrl: arrayModule, type: 'Square', payload: { n: 7 }, ctx }),
    ).resolves.toBe(49);
    await expect(
      runner.run({ moduleUrl: arrayModule, type: 'Cube', payload: { n: 7 }, ctx }),
    ).rejects.toThrow(`${arrayModule} exports no handler of type Cube`);
  });

  it('runs beyond its size in FIFO order', async () => {
    const { run } = setup(1);
    const finished: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((value) =>
        run({ kind: 'echo', value }).then((result) => finished.push(result as number)),
      ),
    );
    expect(finished).toEqual([1, 2, 3, 4, 5]);
  });

  it('terminates a runaway task on abort, rejects with the reason, and keeps working', async () => {
    const { runner, run } = setup(1);
    const controller = new AbortController();
    const runaway = run({ kind: 'forever' }, { signal: controller.signal });
    const queued = run({ kind: 'echo', value: 'after the runaway' });
    expect(runner.busy).toBe(1);
    controller.abort(new Error('cancelled by the user'));
    await expect(runaway).rejects.toThrow('cancelled by the user');
    await expect(queued).resolves.toBe('after the runaway');
  });

  it('terminates a task past its timeout with a TaskTimeoutError', async () => {
    const { run } = setup(1);
    const error = await run({ kind: 'forever' }, { timeoutMs: 200 }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TaskTimeoutError');
    await expect(run({ kind: 'echo', value: 'still alive' })).resolves.toBe('still alive');
  });

  it('drops a waiting run when its signal aborts, without touching the running one', async () => {
    const { run } = setup(1);
    const first = run({ kind: 'hash', rounds: 20_000 });
    const controller = new AbortController();
    const waiting = run({ kind: 'echo', value: 'never' }, { signal: controller.signal });
    controller.abort(new Error('cancelled while waiting'));
    await expect(waiting).rejects.toThrow('cancelled while waiting');
    await expect(first).resolves.toBe(hashChain(20_000));
    const aborted = AbortSignal.abort(new Error('aborted before it started'));
    await expect(run({ kind: 'echo', value: 1 }, { signal: aborted })).rejects.toThrow(
      'aborted before it started',
    );
  });

  it('fails only the task whose thread calls process.exit(1); the next task still runs', async () => {
    const { run } = setup(1);
    await expect(run({ kind: 'exit', code: 1 })).rejects.toThrow(/worker thread exited with code 1/);
    await expect(run({ kind: 'echo', value: 'next' })).resolves.toBe('next');
  });

  it.each([
    ['a string', 'plain string failure', 'plain string failure'],
    ['an object with a message', { message: 'object failure', code: 7 }, 'object failure'],
    ['undefined', undefined, 'undefined'],
    ['a number', 42, '42'],
  ])('turns a thrown %s into an Error', async (_label, value, message) => {
    const { run } = setup(1);
    const error = await run({ kind: 'throw', value }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(message);
    expect(isPermanent(error as Error)).toBe(false);
  });

  it('keeps a PermanentError permanent across the thread boundary', async () => {
    const { run } = setup(1);
    const error = await run({ kind: 'permanent', message: 'bad input' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('bad input');
    expect(isPermanent(error as Error)).toBe(true);
  });

  it('fails a task whose result cannot leave the thread, with a clear message', async () => {
    const { run } = setup(1);
    await expect(run({ kind: 'unclonable' })).rejects.toThrow(/cannot be sent back from its thread/);
  });

  it("forwards the handler's log lines to the task's logger", async () => {
    const { run } = setup(1);
    const lines: unknown[] = [];
    const taskLog: TaskLogger = {
      info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
      warn: () => {},
      error: () => {},
      debug: () => {},
    };
    await expect(run({ kind: 'log', message: 'hello from the thread' }, { log: taskLog })).resolves.toBe(
      'logged',
    );
    expect(lines).toEqual([{ level: 'info', obj: { step: 'inside' }, msg: 'hello from the thread' }]);
  });

  it('rejects running and waiting runs on close, and refuses new ones', async () => {
    const { runner, run } = setup(1);
    const running = run({ kind: 'forever' });
    const waiting = run({ kind: 'echo', value: 1 });
    const outcomes = Promise.allSettled([running, waiting]);
    await runner.close();
    for (const outcome of await outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toEqual(new Error('the thread runner is closed'));
    }
    await expect(run({ kind: 'echo', value: 2 })).rejects.toThrow('the thread runner is closed');
  });
});
