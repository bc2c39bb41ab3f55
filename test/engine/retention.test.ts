import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { RetentionJob } from '../../src/engine/retention.js';
import { createLogger } from '../../src/logger.js';
import type { TaskStatus } from '../../src/model/task.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ManualClock } from '../support/manual-clock.js';

const DAY = 86_400_000;
/** The clock's time every age below is measured from. */
const NOW = Date.parse('2030-06-15T12:00:00Z');
const log = createLogger({ level: 'silent', pretty: false });

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
beforeEach(async () => {
  await db.pool.query('truncate tasks, task_events');
});

/** Inserts one task with `events` history rows; `finishedDaysAgo` sets finished_at relative to NOW. */
async function makeTask(
  overrides: {
    status?: TaskStatus;
    finishedDaysAgo?: number | null;
    finishedAt?: Date;
    events?: number;
  } = {},
) {
  const { status = 'succeeded', finishedDaysAgo = 30, events = 3 } = overrides;
  const id = randomUUID();
  const finishedAt =
    overrides.finishedAt ?? (finishedDaysAgo === null ? null : new Date(NOW - finishedDaysAgo * DAY));
  await db.pool.query(
    `insert into tasks (id, type, status, max_attempts, backoff_ms, created_at, finished_at)
     values ($1, 'Sleep', $2, 3, 1000, $3, $4)`,
    [id, status, new Date(NOW - 60 * DAY), finishedAt],
  );
  await db.pool.query(
    `insert into task_events (task_id, at, from_status, to_status, attempt)
     select $1, $2, 'queued', $3, n from generate_series(1, $4::int) as n`,
    [id, new Date(NOW - 60 * DAY), status, events],
  );
  return id;
}

function job(retention: NonNullable<ConfigInput['retention']>, clock = new ManualClock(NOW)) {
  return new RetentionJob({ pool: db.pool, config: parseConfig({ retention }), log, clock });
}

async function remainingTaskIds(): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>('select id from tasks order by id');
  return rows.map((row) => row.id);
}

async function eventCounts(): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ task_id: string; n: number }>(
    'select task_id, count(*)::int as n from task_events group by task_id',
  );
  return Object.fromEntries(rows.map((row) => [row.task_id, row.n]));
}

describe('RetentionJob.runOnce', () => {
  it('deletes finished tasks older than retention.days with their events, and keeps everything else', async () => {
    const old = [
      await makeTask({ status: 'succeeded', finishedDaysAgo: 30, events: 3 }),
      await makeTask({ status: 'dead', finishedDaysAgo: 8, events: 5 }),
      await makeTask({ status: 'cancelled', finishedDaysAgo: 7.01, events: 1 }),
    ];
    const kept = [
      await makeTask({ status: 'succeeded', finishedDaysAgo: 6.99, events: 2 }),
      await makeTask({ status: 'dead', finishedDaysAgo: 1, events: 2 }),
      // Not finished: never deleted, however old.
      await makeTask({ status: 'queued', finishedDaysAgo: null, events: 1 }),
      await makeTask({ status: 'running', finishedDaysAgo: null, events: 2 }),
      await makeTask({ status: 'retrying', finishedDaysAgo: 90, events: 4 }),
      await makeTask({ status: 'succeeded', finishedDaysAgo: null, events: 1 }),
    ];

    const result = await job({ days: 7, batchSize: 100 }).runOnce();

    expect(result).toMatchObject({ tasks: 3, events: 9, batches: 1 });
    expect(await remainingTaskIds()).toEqual([...kept].sort());
    const events = await eventCounts();
    for (const id of old) expect(events[id]).toBeUndefined();
    expect(Object.keys(events).sort()).toEqual([...kept].sort());
    expect(Object.values(events).reduce((sum, n) => sum + n, 0)).toBe(12);
  });

  it('works through a backlog in batches of retention.batchSize', async () => {
    for (let i = 0; i < 7; i++) await makeTask({ finishedDaysAgo: 10 + i, events: 2 });
    await makeTask({ finishedDaysAgo: 1 });

    expect(await job({ days: 2, batchSize: 3 }).runOnce()).toMatchObject({
      tasks: 7,
      events: 14,
      batches: 3,
    });
    expect(await remainingTaskIds()).toHaveLength(1);
    expect(await job({ days: 2, batchSize: 3 }).runOnce()).toMatchObject({ tasks: 0, events: 0, batches: 1 });
  });

  it('measures age from its clock, so tasks expire as time passes', async () => {
    const id = await makeTask({ finishedDaysAgo: 1 });
    const clock = new ManualClock(NOW);
    const retention = job({ days: 3 }, clock);
    expect((await retention.runOnce()).tasks).toBe(0);
    clock.advance(2.5 * DAY);
    expect((await retention.runOnce()).tasks).toBe(1);
    expect(await remainingTaskIds()).not.toContain(id);
  });

  it('deletes exactly the tasks older than its window by the clock, to the millisecond', async () => {
    const cutOff = NOW - 7 * DAY;
    const older = await makeTask({ finishedAt: new Date(cutOff - 1) });
    const atCutOff = await makeTask({ finishedAt: new Date(cutOff) });
    const younger = await makeTask({ finishedAt: new Date(cutOff + 1) });
    const clock = new ManualClock(NOW);
    const retention = job({ days: 7 }, clock);

    expect((await retention.runOnce()).tasks).toBe(1);
    expect(await remainingTaskIds()).toEqual([atCutOff, younger].sort());
    // One millisecond on, the task that finished exactly at the old cut-off is past the window.
    clock.advance(1);
    expect((await retention.runOnce()).tasks).toBe(1);
    expect(await remainingTaskIds()).toEqual([younger]);
    clock.advance(1);
    expect((await retention.runOnce()).tasks).toBe(1);
    expect(await remainingTaskIds()).toEqual([]);
    expect(older).not.toBe(younger);
  });

  it('accepts fractional days', async () => {
    await makeTask({ finishedDaysAgo: 0.75 });
    await makeTask({ finishedDaysAgo: 0.25 });
    expect((await job({ days: 0.5 }).runOnce()).tasks).toBe(1);
  });

  it('deletes nothing when retention.days is 0', async () => {
    await makeTask({ finishedDaysAgo: 3650 });
    const retention = job({ days: 0 });
    expect(retention.enabled).toBe(false);
    expect(await retention.runOnce()).toEqual({ tasks: 0, events: 0, batches: 0, partitions: 0 });
    expect(await remainingTaskIds()).toHaveLength(1);
  });

  it('lets several instances clean at once, each task deleted exactly once', async () => {
    for (let i = 0; i < 40; i++) await makeTask({ finishedDaysAgo: 10, events: 2 });
    const results = await Promise.all([1, 2, 3, 4].map(() => job({ days: 1, batchSize: 5 }).runOnce()));
    expect(results.reduce((sum, r) => sum + r.tasks, 0)).toBe(40);
    expect(results.reduce((sum, r) => sum + r.events, 0)).toBe(80);
    expect(await remainingTaskIds()).toEqual([]);
    expect(await eventCounts()).toEqual({});
  });

  it('skips a task another transaction holds (a manual retry in flight) and takes it next round', async () => {
    const held = await makeTask({ status: 'dead', finishedDaysAgo: 10 });
    const free = await makeTask({ status: 'dead', finishedDaysAgo: 10 });
    const other = await db.pool.connect();
    try {
      await other.query('begin');
      await other.query('select id from tasks where id = $1 for update', [held]);
      expect((await job({ days: 1 }).runOnce()).tasks).toBe(1);
      expect(await remainingTaskIds()).toEqual([held]);
      // The retry commits: the task is queued again and no longer finished.
      await other.query(`update tasks set status = 'queued', finished_at = null where id = $1`, [held]);
      await other.query('commit');
    } finally {
      other.release();
    }
    expect((await job({ days: 1 }).runOnce()).tasks).toBe(0);
    expect(await remainingTaskIds()).toEqual([held]);
    expect(free).not.toBe(held);
  });
});

describe('RetentionJob.start/stop (real timers, the clock for the cut-off)', () => {
  it('cleans on start and again every interval until stopped', async () => {
    await makeTask({ finishedDaysAgo: 10 });
    await makeTask({ finishedDaysAgo: 0.5 });
    const retention = new RetentionJob({
      pool: db.pool,
      config: parseConfig({ retention: { days: 1, interval: '50ms' } }),
      log,
      clock: new ManualClock(NOW),
    });
    retention.start();
    try {
      await waitFor(async () => (await remainingTaskIds()).length === 1);
      // A later round picks up what became old after the first one.
      await makeTask({ finishedDaysAgo: 10 });
      await waitFor(async () => (await remainingTaskIds()).length === 1);
    } finally {
      await retention.stop();
    }
    await makeTask({ finishedDaysAgo: 10 });
    // Proving that nothing more happens takes a wait; it cannot fail because the machine is slow.
    await new Promise((done) => setTimeout(done, 200));
    expect(await remainingTaskIds()).toHaveLength(2);
  });

  it('never starts a timer when disabled', async () => {
    await makeTask({ finishedDaysAgo: 10 });
    const retention = new RetentionJob({
      pool: db.pool,
      config: parseConfig({ retention: { days: 0, interval: '10ms' } }),
      log,
      clock: new ManualClock(NOW),
    });
    retention.start();
    await new Promise((done) => setTimeout(done, 100));
    await retention.stop();
    expect(await remainingTaskIds()).toHaveLength(1);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 20));
  }
}
