import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { percent, startsPerTask, statusCounts, waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { type ServiceProcess, startInstances } from './support/service.js';

const TASKS = 10_000;
const BATCH = 1_000;

describe('three instances share one PostgreSQL', () => {
  let db: TestDatabase;
  let instances: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    instances = await startInstances(['A', 'B', 'C'], { databaseUrl: db.url });
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.destroy()));
    await db.drop();
  });

  it(`run ${TASKS.toLocaleString('en')} tasks: each starts exactly once, succeeds, and every instance runs a fair share`, async (context) => {
    context.onTestFailed(() => {
      for (const instance of instances) console.log(instance.tail());
    });
    const started = Date.now();
    // Batches go round-robin to the three instances, as a load balancer would send them.
    const answers = await Promise.all(
      Array.from({ length: TASKS / BATCH }, (_, batch) =>
        instances[batch % instances.length]!.enqueue(
          Array.from({ length: BATCH }, (_, index) => ({
            taskType: 'Sleep',
            payload: { duration: 10 },
            key: `share-${batch}-${index}`,
          })),
        ),
      ),
    );
    const enqueuedMs = Date.now() - started;
    expect(answers.reduce((sum, answer) => sum + answer.submitted, 0)).toBe(TASKS);

    await waitForFinished(db.pool, { count: TASKS, timeoutMs: 120_000 });
    const drainedMs = Date.now() - started;

    expect(await statusCounts(db.pool)).toEqual({ succeeded: TASKS });
    const starts = await startsPerTask(db.pool);
    expect(starts.size).toBe(TASKS);
    const doubles = [...starts].filter(([, start]) => start.count !== 1);
    expect(doubles, 'tasks started more than once').toEqual([]);
    const { rows: retries } = await db.pool.query(
      `select count(*)::int as n from task_events where to_status in ('retrying', 'dead', 'cancelled')`,
    );
    expect(retries[0].n, 'failed or retried attempts').toBe(0);

    const perNode = new Map<string, number>();
    for (const [, start] of starts) perNode.set(start.nodes[0]!, (perNode.get(start.nodes[0]!) ?? 0) + 1);
    const shares = instances.map((instance) => percent(perNode.get(instance.nodeId) ?? 0, TASKS));
    expect([...perNode.keys()].sort()).toEqual(instances.map((instance) => instance.nodeId).sort());
    for (const [index, share] of shares.entries()) {
      expect(share, `share of instance ${instances[index]!.name}`).toBeGreaterThanOrEqual(15);
    }
    recordResult('scale-out', {
      scenario: '3 instances share 10,000 tasks',
      result: `all succeeded, 0 double starts, shares ${shares.join(' / ')} %`,
      figures: { tasks: TASKS, enqueueMs: enqueuedMs, drainMs: drainedMs, sharesPercent: shares.join('/') },
    });
  });
});
