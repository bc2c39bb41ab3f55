import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LocalQueues } from '../../src/engine/local-queues.js';
import { ResultLoop } from '../../src/engine/result-loop.js';
import { WorkerPool } from '../../src/engine/worker-pool.js';
import { EventBus } from '../../src/events/event-bus.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { defineHandler } from '../../src/tasks/task-handler.js';
import { testConfig, testLog } from '../support/engine.js';
import { deferred, storePerTest } from '../support/engine-parts.js';

const POOL_SIZE = 3;

describe('the worker pool', () => {
  const bench = storePerTest();

  it('never runs more than its cap, nor more than a queue’s own limit, and runs everything', async () => {
    await bench.setup.insert(12, { queue: 'wide', type: 'Gate' });
    await bench.setup.insert(6, { queue: 'narrow', type: 'Gate' });
    const total = 18;
    const config = testConfig({ queue: { queues: [{ id: 'narrow', workers: 1 }] } });
    const queues = new LocalQueues({
      settings: config.queue.queues,
      maxBufferSize: 100,
      starvationEvery: config.queue.starvationEvery,
      pollIntervalMs: config.queue.pollInterval,
    });
    // Claimed as the feeder would, straight into the buffers.
    for (const name of ['wide', 'narrow']) {
      const local = queues.get(name);
      for (const task of await bench.setup.claim(name, 100))
        local.buffer.push({ id: task.id, priority: task.priority, value: task });
    }

    const running = new Map<string, number>();
    let peak = 0;
    let narrowPeak = 0;
    let finished = 0;
    const gate = deferred();
    const allFinished = deferred();
    const registry = new TaskRegistry().register(
      defineHandler({
        type: 'Gate',
        payloadSchema: z.object({}),
        async run(_payload, ctx) {
          running.set(ctx.queue, (running.get(ctx.queue) ?? 0) + 1);
          const now = [...running.values()].reduce((sum, n) => sum + n, 0);
          peak = Math.max(peak, now);
          narrowPeak = Math.max(narrowPeak, running.get('narrow') ?? 0);
          try {
            await gate.promise;
          } finally {
            running.set(ctx.queue, running.get(ctx.queue)! - 1);
            if (++finished === total) allFinished.resolve();
          }
        },
      }),
    );
    const results = bench.stopAfter(
      new ResultLoop({ engineStore: bench.setup.store, events: new EventBus(), log: testLog }),
    );
    const pool = new WorkerPool({
      poolSize: POOL_SIZE,
      queues,
      registry,
      results,
      log: testLog,
      nodeId: () => bench.setup.nodeId,
      services: undefined,
      defaultTimeoutMs: 0,
      maxBufferSize: 100,
      onLowBuffer: () => {},
    });

    pool.pump();
    // Dispatch is synchronous: what runs after a pump is what the limits allowed.
    expect(pool.running.size).toBe(POOL_SIZE);
    expect([...pool.running.values()].filter((entry) => entry.task.queue === 'narrow')).toHaveLength(1);
    pool.pump();
    expect(pool.running.size).toBe(POOL_SIZE);

    // Opened, every finish frees a slot that the next buffered task takes.
    gate.resolve();
    await allFinished.promise;
    expect(await pool.waitIdle(10_000)).toBe(true);
    expect(await results.drain(10_000)).toBe(true);

    expect(peak).toBe(POOL_SIZE);
    expect(narrowPeak).toBe(1);
    const { rows } = await bench.setup.db.pool.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from tasks group by status',
    );
    expect(rows).toEqual([{ status: 'succeeded', n: total }]);
  });
});
