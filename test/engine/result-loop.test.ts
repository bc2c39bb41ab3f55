import { describe, expect, it } from 'vitest';
import type { EngineStore, OutcomeWrite } from '../../src/db/engine-store.js';
import { ResultLoop } from '../../src/engine/result-loop.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { TaskLifecycleEvent } from '../../src/events/task-event.js';
import type { ClaimedTask } from '../../src/model/task.js';
import { testLog } from '../support/engine.js';
import { deferred, storePerTest } from '../support/engine-parts.js';

describe('the result loop', () => {
  const bench = storePerTest();

  function buildLoop(store: EngineStore) {
    const events = new EventBus();
    const published: TaskLifecycleEvent[] = [];
    events.subscribe((batch) => published.push(...batch));
    const results = bench.stopAfter(new ResultLoop({ engineStore: store, events, log: testLog }));
    return { results, published };
  }

  function start(loop: ResultLoop, task: ClaimedTask): void {
    loop.recordStart({ task, attempt: 1, startedAt: new Date(), nodeId: bench.setup.nodeId, waitMs: 0 });
  }

  function succeed(loop: ResultLoop, task: ClaimedTask): void {
    loop.recordOutcome({
      task,
      attempt: 1,
      toStatus: 'succeeded',
      finishedAt: new Date(),
      durationMs: 1,
      resultJson: `{"id":"${task.id}"}`,
      error: null,
      retryDelayMs: 0,
      keepLock: false,
      refund: false,
      nodeId: bench.setup.nodeId,
    });
  }

  /** Per task: its status, attempts and the history rows written (from → to). */
  async function stored(): Promise<Map<string, { status: string; attempts: number; history: string[] }>> {
    const { rows } = await bench.setup.db.pool.query<{
      id: string;
      status: string;
      attempts: number;
      history: string[];
    }>(
      `select t.id, t.status, t.attempts,
              coalesce(array_agg(coalesce(e.from_status, 'new') || '>' || e.to_status order by e.id)
                         filter (where e.id is not null), '{}') as history
       from tasks t left join task_events e on e.task_id = t.id
       group by t.id`,
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  it('writes a burst of outcomes in a few flushes, not one per task', async () => {
    await bench.setup.insert(201);
    const [first, ...burst] = await bench.setup.claim('default', 500);
    const flushes: number[] = [];
    const firstFlushStarted = deferred();
    const releaseFirstFlush = deferred();
    const store: EngineStore = {
      ...bench.setup.store,
      writeOutcomes: async (nodeId, writes) => {
        flushes.push(writes.length);
        if (flushes.length === 1) {
          firstFlushStarted.resolve();
          await releaseFirstFlush.promise;
        }
        return bench.setup.store.writeOutcomes(nodeId, writes);
      },
    };
    const { results, published } = buildLoop(store);

    start(results, first!);
    await firstFlushStarted.promise;
    // While one flush is in flight, 200 tasks start and finish: they wait for the next flush,
    // each start and outcome merged into one change.
    for (const task of burst) {
      start(results, task);
      succeed(results, task);
    }
    succeed(results, first!);
    releaseFirstFlush.resolve();
    expect(await results.drain(10_000)).toBe(true);

    expect(flushes).toEqual([1, 201]);
    const rows = await stored();
    expect(rows.size).toBe(201);
    for (const row of rows.values()) {
      expect(row).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(row.history).toEqual(['new>queued', 'queued>running', 'running>succeeded']);
    }
    expect(published.filter((event) => event.kind === 'succeeded')).toHaveLength(201);
  });

  it('keeps a batch whose write failed and writes it again, losing no start or outcome', async () => {
    await bench.setup.insert(50);
    const tasks = await bench.setup.claim('default', 50);
    const attempts: OutcomeWrite[][] = [];
    const firstWriteStarted = deferred();
    const failFirstWrite = deferred();
    const store: EngineStore = {
      ...bench.setup.store,
      writeOutcomes: async (nodeId, writes) => {
        attempts.push([...writes]);
        if (attempts.length === 1) {
          firstWriteStarted.resolve();
          await failFirstWrite.promise;
          throw new Error('connection terminated unexpectedly');
        }
        return bench.setup.store.writeOutcomes(nodeId, writes);
      },
    };
    const { results, published } = buildLoop(store);

    for (const task of tasks) start(results, task);
    await firstWriteStarted.promise;
    // The outcomes arrive while the batch of starts is failing: each must join its start.
    for (const task of tasks) succeed(results, task);
    failFirstWrite.resolve();
    expect(await results.drain(10_000)).toBe(true);

    expect(attempts[0]).toHaveLength(50);
    expect(attempts.slice(1).flat()).toHaveLength(50);
    expect(results.discardedCount).toBe(0);
    const rows = await stored();
    for (const task of tasks) {
      expect(rows.get(task.id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        history: ['new>queued', 'queued>running', 'running>succeeded'],
      });
    }
    expect(new Set(published.filter((e) => e.kind === 'succeeded').map((e) => e.taskId)).size).toBe(50);
  });
});
