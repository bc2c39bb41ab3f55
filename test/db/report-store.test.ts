import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskStats } from '../../src/db/report-store.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const base = new Date('2025-03-01T12:00:00Z');

/** Inserts one task row; runMs sets started_at/finished_at, createdAt defaults to `base`. */
async function insertTask(task: { type: string; status: string; runMs?: number; createdAt?: Date }) {
  const createdAt = task.createdAt ?? base;
  const startedAt = task.runMs === undefined ? null : new Date(createdAt.getTime() + 1000);
  const finishedAt = startedAt && new Date(startedAt.getTime() + task.runMs!);
  await db.pool.query(
    `insert into tasks (id, type, status, max_attempts, backoff_ms, created_at, started_at, finished_at)
     values (gen_random_uuid(), $1, $2, 4, 1000, $3, $4, $5)`,
    [task.type, task.status, createdAt, startedAt, finishedAt],
  );
}

describe('taskStats', () => {
  beforeAll(async () => {
    for (const runMs of [100, 200, 300]) await insertTask({ type: 'SendEmail', status: 'succeeded', runMs });
    await insertTask({ type: 'SendEmail', status: 'dead', runMs: 50 });
    await insertTask({ type: 'CPUProcess', status: 'queued' });
    await insertTask({ type: 'CPUProcess', status: 'queued' });
    await insertTask({ type: 'CPUProcess', status: 'running', createdAt: new Date(base.getTime() + 60_000) });
    // Outside the window: the day before, and at its (exclusive) end.
    await insertTask({
      type: 'SendEmail',
      status: 'succeeded',
      runMs: 9000,
      createdAt: new Date('2025-02-28T12:00:00Z'),
    });
    await insertTask({
      type: 'Sleep',
      status: 'succeeded',
      runMs: 10,
      createdAt: new Date('2025-03-01T13:00:00Z'),
    });
  });

  it('counts tasks per type and status over the window, with run durations', async () => {
    const rows = await taskStats({
      pool: db.pool,
      since: new Date('2025-03-01T11:00:00Z'),
      until: new Date('2025-03-01T13:00:00Z'),
    });
    expect(rows).toEqual([
      { type: 'CPUProcess', status: 'queued', count: 2, avgRunMs: null, p95RunMs: null, maxRunMs: null },
      { type: 'CPUProcess', status: 'running', count: 1, avgRunMs: null, p95RunMs: null, maxRunMs: null },
      { type: 'SendEmail', status: 'dead', count: 1, avgRunMs: 50, p95RunMs: 50, maxRunMs: 50 },
      // p95 of 100, 200, 300 ms interpolates between the last two: 200 + 0.9 × 100.
      { type: 'SendEmail', status: 'succeeded', count: 3, avgRunMs: 200, p95RunMs: 290, maxRunMs: 300 },
    ]);
  });

  it('returns nothing for a window without tasks', async () => {
    const rows = await taskStats({
      pool: db.pool,
      since: new Date('2024-01-01T00:00:00Z'),
      until: new Date('2024-01-02T00:00:00Z'),
    });
    expect(rows).toEqual([]);
  });
});
