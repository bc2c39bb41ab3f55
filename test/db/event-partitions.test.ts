import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { startHttpServer } from '../../src/api/http-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createPool } from '../../src/db/database.js';
import { listEventPartitions } from '../../src/db/event-partitions.js';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.js';
import { uuidv7 } from '../../src/db/uuid-v7.js';
import { Engine } from '../../src/engine/engine.js';
import { EventPartitionKeeper } from '../../src/engine/event-partition-keeper.js';
import { RetentionJob } from '../../src/engine/retention.js';
import { createLogger } from '../../src/logger.js';
import { createTestRegistry } from '../api/api-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ManualClock } from '../support/manual-clock.js';

const DAY = 86_400_000;
const log = createLogger({ level: 'silent', pretty: false });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function insertTask(db: TestDatabase, options: { status: string; at: Date; finishedAt?: Date }) {
  const id = uuidv7();
  await db.pool.query(
    `insert into tasks (id, type, status, max_attempts, backoff_ms, created_at, finished_at)
     values ($1, 'Echo', $2, 3, 1000, $3, $4)`,
    [id, options.status, options.at, options.finishedAt ?? null],
  );
  return id;
}

async function insertEvent(db: TestDatabase, taskId: string, at: Date, toStatus: string) {
  await db.pool.query(
    `insert into task_events (task_id, at, from_status, to_status, attempt, node_id) values ($1, $2, null, $3, 1, 'node-a')`,
    [taskId, at, toStatus],
  );
}

async function partitionOf(db: TestDatabase, taskId: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ p: string }>(
    'select tableoid::regclass::text as p from task_events where task_id = $1 order by id',
    [taskId],
  );
  return rows.map((row) => row.p);
}

describe('migration 0019: task_events partitioned by day', () => {
  it('moves an existing table over without losing history: GET /task/{id} shows every change after it', async () => {
    // A database at migration 0018, with a task and its history written the old way.
    const db = await createTestDatabase({ migrated: false });
    cleanups.push(() => db.drop());
    const folder = mkdtempSync(join(os.tmpdir(), 'pgtask-migrations-'));
    cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((entry) => entry.tag === '0019_task_events_partitioned');
    expect(upTo).toBeGreaterThan(0);
    writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
    await migrate(drizzle(db.pool), { migrationsFolder: folder });

    // 40 tasks created over the last 40 days with 1 to 4 history rows each, the last of them
    // written by a node whose clock ran two days ahead.
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const created = new Date(Date.now() - (40 - i) * DAY);
      const id = await insertTask(db, {
        status: 'succeeded',
        at: created,
        finishedAt: new Date(created.getTime() + 2000),
      });
      ids.push(id);
      for (let n = 0; n <= i % 4; n++) {
        await insertEvent(db, id, new Date(created.getTime() + n * 1000), n === 0 ? 'queued' : 'running');
      }
    }
    const id = ids[37]!;
    await insertEvent(db, ids[39]!, new Date(Date.now() + 2 * DAY), 'succeeded');
    const history = `select task_id, id::text, at, from_status, to_status, attempt, node_id, error
                       from task_events order by task_id, task_events.id`;
    const before = (await db.pool.query(history)).rows;
    expect(before).toHaveLength(10 * (1 + 2 + 3 + 4) + 1);

    await runMigrations(db.pool);

    // Every row is still there, unchanged, in the table as it was (now the legacy partition).
    expect((await db.pool.query(history)).rows).toEqual(before);
    const where = await db.pool.query<{ p: string; n: number }>(
      'select tableoid::regclass::text as p, count(*)::int as n from task_events group by 1',
    );
    expect(where.rows).toEqual([{ p: 'task_events_legacy', n: before.length }]);
    expect(await partitionOf(db, id)).toEqual(['task_events_legacy', 'task_events_legacy']);
    const names = (await listEventPartitions(db.pool)).map((partition) => partition.name);
    expect(names).toContain('task_events_default');
    // The days ahead were created at migrate time, after the days the legacy partition covers:
    // up to the newest row it held (two days ahead), so the third day ahead is the first.
    const day = (offset: number) =>
      new Date(Date.now() + offset * DAY).toISOString().slice(0, 10).replaceAll('-', '');
    expect(names).toContain(`task_events_p${day(3)}`);
    expect(names).not.toContain(`task_events_p${day(2)}`);

    // New history of the same task continues after the old rows, in order.
    await db.pool.query(
      `insert into task_events (task_id, from_status, to_status, attempt, node_id) values ($1, 'succeeded', 'queued', 1, 'node-b')`,
      [id],
    );
    const config = parseConfig({});
    const pool = createPool({ url: db.url, config, log, max: 3 });
    const engine = await Engine.start({
      config,
      pool,
      databaseUrl: db.url,
      log,
      registry: createTestRegistry(),
      processTasks: false,
    });
    const http = await startHttpServer(createApp({ engine, config, log }), { host: '127.0.0.1', port: 0 });
    cleanups.push(async () => {
      await http.close();
      await engine.stop();
      await pool.end();
    });
    const response = await fetch(`http://127.0.0.1:${http.port}/task/${id}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      history: { toStatus: string; at: string; nodeId: string | null }[];
    };
    expect(body.history.map((entry) => entry.toStatus)).toEqual(['queued', 'running', 'queued']);
    expect(body.history[0]!.at).toBe(new Date(before.find((row) => row.task_id === id)!.at).toISOString());
    expect(body.history[2]!.nodeId).toBe('node-b');
    // And every task's history reads back whole through the store's own query.
    for (const taskId of ids.filter((other) => other !== id)) {
      const rows = before.filter((row) => row.task_id === taskId);
      const read = await engine.getTaskHistory(taskId);
      expect(read.map((entry) => entry.id)).toEqual(rows.map((row) => Number(row.id)));
    }
  });
});

describe('EventPartitionKeeper (moved clock)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('creates the days ahead, and a write for a day without a partition never fails', async () => {
    const later = Date.parse('2031-03-10T12:00:00Z');
    const id = await insertTask(db, { status: 'running', at: new Date(later) });
    // A node whose clock is ahead of every partition: the row lands in the default partition.
    await insertEvent(db, id, new Date(later + 5 * DAY), 'running');
    expect(await partitionOf(db, id)).toEqual(['task_events_default']);

    let now = later;
    const keeper = new EventPartitionKeeper({ pool: db.pool, log, now: () => now });
    expect(await keeper.runOnce()).toBe(4);
    expect(await keeper.runOnce()).toBe(0);
    const names = (await listEventPartitions(db.pool)).map((partition) => partition.name);
    expect(names).toEqual(
      expect.arrayContaining(['task_events_p20310310', 'task_events_p20310311', 'task_events_p20310313']),
    );
    // Once the clock reaches that day, its partition is created and the row moves into it.
    now = later + 5 * DAY;
    await keeper.runOnce();
    expect(await partitionOf(db, id)).toEqual(['task_events_p20310315']);
  });
});

describe('retention drops whole partitions', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('drops the days past retention, and keeps the history of tasks that still exist', async () => {
    const day = Date.parse('2032-05-01T00:00:00Z');
    await new EventPartitionKeeper({ pool: db.pool, log, now: () => day }).runOnce();
    const done = await insertTask(db, {
      status: 'succeeded',
      at: new Date(day + 3600_000),
      finishedAt: new Date(day + 7200_000),
    });
    const waiting = await insertTask(db, { status: 'retrying', at: new Date(day + 3600_000) });
    for (const id of [done, waiting]) {
      await insertEvent(db, id, new Date(day + 3600_000), 'queued');
      await insertEvent(db, id, new Date(day + 5400_000), 'running');
    }
    await insertEvent(db, done, new Date(day + 7200_000), 'succeeded');
    // A day still inside retention keeps its partition.
    const recent = await insertTask(db, {
      status: 'succeeded',
      at: new Date(day + 3 * DAY),
      finishedAt: new Date(day + 3 * DAY),
    });
    await insertEvent(db, recent, new Date(day + 3 * DAY), 'succeeded');

    const retention = new RetentionJob({
      pool: db.pool,
      config: parseConfig({ retention: { days: 2 } }),
      log,
      clock: new ManualClock(day + 4 * DAY + 3600_000),
    });
    const run = await retention.runOnce();

    expect(run.tasks).toBe(1);
    // p20320501 (3 rows of `done`, 2 of `waiting` kept) and the earlier partitions went whole.
    expect(run.partitions).toBeGreaterThanOrEqual(2);
    expect(run.events).toBe(3);
    const names = (await listEventPartitions(db.pool)).map((partition) => partition.name);
    expect(names).not.toContain('task_events_p20320501');
    expect(names).not.toContain('task_events_p20320502');
    expect(names).toContain('task_events_p20320504');
    expect(await partitionOf(db, done)).toEqual([]);
    expect(await partitionOf(db, waiting)).toEqual(['task_events_default', 'task_events_default']);
    expect(await partitionOf(db, recent)).toEqual(['task_events_p20320504']);

    // Once the waiting task is gone too, its rows in the default partition go as well.
    await db.pool.query('delete from tasks where id = $1', [waiting]);
    expect((await retention.runOnce()).events).toBe(2);
    expect(await partitionOf(db, waiting)).toEqual([]);
  });
});
