import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startsPerTask, statusCounts, waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { delay, type ServiceProcess, startInstances, waitFor } from './support/service.js';

const TASKS = 300;
const TASK_MS = 400;
/** Longer than the 5 s lease: every node's heartbeat is stale when the database comes back. */
const OUTAGE_MS = 6_000;

interface Probe {
  at: number;
  instance: string;
  path: string;
  status: number;
}

describe('the database goes away mid-run (every backend killed, no new connections)', () => {
  let db: TestDatabase;
  let admin: pg.Client;
  let instances: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: inject('adminUrl') });
    await admin.connect();
    // Small buffers, so one batch spreads over both instances instead of filling one buffer.
    instances = await startInstances(['A', 'B'], {
      databaseUrl: db.url,
      config: { queue: { maxBufferSize: 20 } },
    });
  });

  afterAll(async () => {
    await admin.query(`alter database ${db.name} allow_connections true`).catch(() => {});
    await admin.end();
    await Promise.all(instances.map((instance) => instance.destroy()));
    await db.drop();
  });

  it('health stays 200, readyz goes 503 then 200, no task is lost, outcomes are written after reconnecting', async (context) => {
    context.onTestFailed(() => {
      for (const instance of instances) console.log(instance.tail(40));
    });
    const answer = await instances[0]!.enqueue(
      Array.from({ length: TASKS }, () => ({ taskType: 'Sleep', payload: { duration: TASK_MS } })),
    );
    expect(answer.submitted).toBe(TASKS);
    await waitFor(
      'tasks to be running on both instances',
      async () => {
        const { rows } = await db.pool.query(
          `select count(distinct locked_by)::int as n from tasks where status = 'running'`,
        );
        return rows[0].n === 2;
      },
      { timeoutMs: 10_000, everyMs: 50 },
    );

    const probes: Probe[] = [];
    let probing = true;
    const probeLoop = (async () => {
      while (probing) {
        await Promise.all(
          instances.flatMap((instance) =>
            ['/healthz', '/readyz'].map(async (path) => {
              const status = await instance
                .request(path, { signal: AbortSignal.timeout(3_000) })
                .then((answer) => answer.status)
                .catch(() => 0);
              probes.push({ at: Date.now(), instance: instance.name, path, status });
            }),
          ),
        );
        await delay(200);
      }
    })();

    // The outage: refuse new connections to this database and kill every backend of the service,
    // again and again, as a restarting server would.
    const outageStart = Date.now();
    await admin.query(`alter database ${db.name} allow_connections false`);
    let killed = 0;
    let enqueueDuringOutage: { status: number; body: unknown } | undefined;
    while (Date.now() - outageStart < OUTAGE_MS) {
      const { rows } = await admin.query<{ ok: boolean }>(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity
         where datname = $1 and application_name in ('pgtask', 'pgtask-listener')`,
        [db.name],
      );
      killed += rows.filter((row) => row.ok).length;
      if (!enqueueDuringOutage && Date.now() - outageStart > 2_000) {
        enqueueDuringOutage = await instances[1]!.request('/tasks/enqueue', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tasks: [{ taskType: 'Sleep', payload: { duration: 1 } }] }),
          signal: AbortSignal.timeout(30_000),
        });
      }
      await delay(100);
    }
    await admin.query(`alter database ${db.name} allow_connections true`);
    const outageEnd = Date.now();

    await waitFor(
      'readyz 200 on both instances',
      () =>
        instances.every((instance) =>
          probes.some(
            (probe) =>
              probe.instance === instance.name &&
              probe.path === '/readyz' &&
              probe.at > outageEnd &&
              probe.status === 200,
          ),
        ),
      { timeoutMs: 30_000 },
    );
    const readyAgainMs = Math.max(
      ...instances.map(
        (instance) =>
          probes.find(
            (probe) =>
              probe.instance === instance.name &&
              probe.path === '/readyz' &&
              probe.at > outageEnd &&
              probe.status === 200,
          )!.at - outageEnd,
      ),
    );
    const expected = TASKS + (enqueueDuringOutage?.status === 202 ? 1 : 0);
    await waitForFinished(db.pool, { count: expected, timeoutMs: 60_000 });
    probing = false;
    await probeLoop;

    expect(killed, 'backends terminated').toBeGreaterThan(0);
    // A client that enqueues while the database is away is told to come back, not that we broke.
    expect(enqueueDuringOutage?.status, 'enqueue during the outage').toBe(503);
    expect(enqueueDuringOutage?.body).toMatchObject({ error: { code: 'not_ready' } });
    const health = probes.filter((probe) => probe.path === '/healthz');
    expect(
      health.filter((probe) => probe.status !== 200),
      '/healthz answers other than 200',
    ).toEqual([]);
    const readyDuring = probes.filter(
      (probe) => probe.path === '/readyz' && probe.at > outageStart && probe.at < outageEnd,
    );
    for (const instance of instances) {
      expect(
        readyDuring.filter((probe) => probe.instance === instance.name).map((probe) => probe.status),
        `readyz of ${instance.name} during the outage`,
      ).toContain(503);
    }
    expect(await statusCounts(db.pool)).toEqual({ succeeded: expected });
    const starts = await startsPerTask(db.pool);
    const startCounts = [...starts.values()].map((start) => start.count);
    expect(starts.size).toBe(expected);
    expect(Math.max(...startCounts), 'starts of one task').toBeLessThanOrEqual(2);
    const doubleStarts = startCounts.filter((count) => count > 1).length;
    // Outcomes that happened while the database was away (the handler finished inside the outage)
    // reached the table afterwards, with the time they happened.
    const { rows: lateWrites } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from tasks
       where finished_at between to_timestamp($1::float8 / 1000) and to_timestamp($2::float8 / 1000)`,
      [outageStart + 200, outageEnd],
    );
    expect(lateWrites[0]!.n, 'outcomes from inside the outage written afterwards').toBeGreaterThan(0);
    const heartbeatFailures = instances.reduce(
      (sum, instance) => sum + instance.logged('heartbeat failed').length,
      0,
    );
    const rescues = instances.reduce(
      (sum, instance) =>
        sum + instance.logged('rescued the tasks of nodes whose heartbeat went stale').length,
      0,
    );
    expect(rescues, 'rescues after an outage every node lived through').toBe(0);

    recordResult('database-outage', {
      scenario: `database connections killed and refused for ${OUTAGE_MS / 1000} s mid-run (2 instances)`,
      result: `/healthz 200 throughout (${health.length} probes), /readyz 503 during and 200 again ${readyAgainMs} ms after; ${expected}/${expected} succeeded, ${lateWrites[0]!.n} outcomes from inside the outage written after reconnecting; ${doubleStarts} tasks started twice; enqueue during the outage answered ${enqueueDuringOutage?.status}`,
      figures: {
        outageMs: outageEnd - outageStart,
        backendsTerminated: killed,
        readyAgainMs,
        writtenAfterReconnect: lateWrites[0]!.n,
        doubleStarts,
        heartbeatFailures,
        enqueueDuringOutage: enqueueDuringOutage?.status ?? 'not sent',
      },
    });
  });
});
