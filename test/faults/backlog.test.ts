import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { delay, ServiceProcess, sampleRss, waitFor } from './support/service.js';

const BACKLOG = Number(process.env.FAULT_BACKLOG ?? 1_000_000);

describe(`a backlog of ${BACKLOG.toLocaleString('en')} waiting tasks`, () => {
  let db: TestDatabase;
  let service: ServiceProcess;

  let insertMs = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    const started = Date.now();
    // Straight into the table, as a long stop of every worker (or a restored backup) leaves it.
    await db.pool.query(
      `insert into tasks (id, queue, type, priority, status, payload, max_attempts, backoff_ms, run_at, created_at)
       select gen_random_uuid(), 'backlog', 'Sleep', i % 10, 'queued', '{"duration": 0}'::jsonb, 4, 1000,
              now() - interval '1 hour' + i * interval '1 millisecond', now()
       from generate_series(1, $1) as i`,
      [BACKLOG],
    );
    await db.pool.query(`insert into queues (name) values ('backlog') on conflict do nothing`);
    insertMs = Date.now() - started;
    // Statistics as autovacuum would gather them soon after such an insert.
    await db.pool.query('analyze tasks');
  });

  afterAll(async () => {
    await service?.destroy();
    await db.drop();
  });

  it('leaves enqueue, claim and GET /queues working, with memory bounded by the buffer', async (context) => {
    context.onTestFailed(() => console.log(service.tail(20)));
    let started = Date.now();
    service = await ServiceProcess.start({ name: 'backlog', databaseUrl: db.url });
    const baselineMb = service.rssMb();
    const rss = sampleRss(service, 200);
    await waitFor(
      'the first backlog task to finish',
      async () => {
        const { rows } = await db.pool.query(
          `select count(*)::int as n from tasks where queue = 'backlog' and status = 'succeeded'`,
        );
        return rows[0].n > 0;
      },
      { timeoutMs: 30_000, everyMs: 50 },
    );
    const firstClaimMs = Date.now() - started;
    const drainFrom = { at: Date.now(), done: await backlogDone(db) };

    started = Date.now();
    const enqueued = await service.enqueue(
      // Above every backlog priority (0-9): new urgent work must get through, not wait behind a million.
      Array.from({ length: 1_000 }, () => ({ taskType: 'Sleep', payload: { duration: 0 }, priority: 100 })),
    );
    const enqueueMs = Date.now() - started;
    expect(enqueued.submitted).toBe(1_000);
    const ids = enqueued.tasks.map((task) => task.id);
    await waitForFinished(db.pool, { count: ids.length, ids, timeoutMs: 60_000 });
    const newWorkMs = Date.now() - started;

    started = Date.now();
    const queues = await service.request('/queues');
    const queuesMs = Date.now() - started;
    expect(queues.status).toBe(200);
    const summary = JSON.stringify(queues.body);
    const backlog = findQueue(queues.body, 'backlog');
    expect(backlog, summary.slice(0, 500)).toBeDefined();
    const counts = backlog!.counts as Record<string, number>;
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(BACKLOG);
    expect(counts.queued).toBeGreaterThan(BACKLOG / 2);

    // Let it chew on the backlog a little longer while memory is sampled.
    await delay(5_000);
    const memory = rss.stop();
    const done = await backlogDone(db);
    const backlogPerSecond = Math.round(((done - drainFrom.done) * 1000) / (Date.now() - drainFrom.at));
    const { rows: held } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from tasks where locked_by is not null`,
    );

    // The buffer (1,000) plus the running pool (10), plus outcomes finished but not yet flushed
    // (those rows keep the lock until their write lands; how many depends on how long a flush
    // takes on this machine, so no exact slack is asserted): bounded by the buffer, not by the
    // 1,000,000 waiting.
    expect(held[0]!.n, 'tasks claimed at once').toBeLessThanOrEqual(2 * (1_000 + 10));
    // Generous sanity bounds, not performance targets (npm run bench measures those).
    expect(firstClaimMs).toBeLessThan(15_000);
    expect(enqueueMs).toBeLessThan(10_000);
    expect(queuesMs).toBeLessThan(15_000);
    expect(memory.peakMb).toBeLessThan(baselineMb + 150);

    recordResult('backlog', {
      scenario: `${BACKLOG.toLocaleString('en')} waiting tasks in the table`,
      result: `insert ${insertMs} ms; first backlog task done ${firstClaimMs} ms after the instance started; 1,000-task enqueue (priority 100) ${enqueueMs} ms, all 1,000 done in ${newWorkMs} ms; GET /queues ${queuesMs} ms; RSS ${Math.round(baselineMb)} → peak ${Math.round(memory.peakMb)} MB; ${done.toLocaleString('en')} backlog tasks run meanwhile (${backlogPerSecond}/s)`,
      figures: {
        backlog: BACKLOG,
        insertMs,
        firstClaimMs,
        enqueueMs,
        newWorkDoneMs: newWorkMs,
        queuesMs,
        baselineRssMb: Math.round(baselineMb),
        peakRssMb: Math.round(memory.peakMb),
        backlogDone: done,
        backlogPerSecond,
      },
    });
  });
});

describe('a queue that appears while an instance runs, without a NOTIFY reaching it', () => {
  let db: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No queues configured (the config schema's default): the instance knows no queue at start.
    service = await ServiceProcess.start({ name: 'late-queue', databaseUrl: db.url });
  });

  afterAll(async () => {
    await service?.destroy();
    await db.drop();
  });

  it('is found by the fallback poll and its tasks run', async () => {
    // What another instance's enqueue leaves behind when this one's LISTEN connection missed the
    // NOTIFY (it was reconnecting), written here without the NOTIFY.
    await db.pool.query(
      `insert into tasks (id, queue, type, priority, status, payload, max_attempts, backoff_ms, run_at, created_at)
       select gen_random_uuid(), 'late', 'Sleep', 0, 'queued', '{"duration": 0}'::jsonb, 4, 1000, now(), now()
       from generate_series(1, 10)`,
    );
    await db.pool.query(`insert into queues (name) values ('late') on conflict do nothing`);
    const finished = await waitForFinished(db.pool, { count: 10, timeoutMs: 10_000 }).then(
      () => 'all 10 ran',
      (error: Error) => error.message,
    );
    recordResult('late-queue', {
      scenario: 'queue created after start, NOTIFY missed, no queues configured',
      result: finished,
    });
    // Feeder.#poll only refreshes the queue list when a known queue is due; with none known it never does.
    expect(finished).toBe('all 10 ran');
  });
});

async function backlogDone(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from tasks where queue = 'backlog' and status = 'succeeded'`,
  );
  return rows[0]!.n;
}

function findQueue(body: unknown, name: string): Record<string, unknown> | undefined {
  const list = Array.isArray(body) ? body : ((body as { queues?: unknown[] })?.queues ?? []);
  return (list as Array<Record<string, unknown>>).find((queue) => queue.name === name);
}
