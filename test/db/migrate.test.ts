import { readFileSync } from 'node:fs';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadiness, MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(() => db.drop());

  it('reports an empty database as not migrated, then migrates it, twice at once, idempotently', async () => {
    expect(await checkReadiness(db.pool)).toEqual({ ready: false, reason: 'database not migrated' });
    const pools = [1, 2, 3].map(() => new pg.Pool({ connectionString: db.url, max: 2 }));
    await Promise.all(pools.map((pool) => runMigrations(pool)));
    expect(await checkReadiness(db.pool)).toEqual({ ready: true });
    await runMigrations(pools[0]!);
    const tables = await db.pool.query(
      `select c.relname as table_name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'audit_log',
      'nodes',
      'queue_count_deltas',
      'queue_counts',
      'queues',
      'schedules',
      'task_dependencies',
      'task_events',
      'tasks',
      'workers',
    ]);
    // task_events is partitioned by day: the table as it was, a default, today and the days ahead.
    const partitions = await db.pool.query(
      `select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'task_events'::regclass order by 1`,
    );
    expect(partitions.rows.map((r) => r.relname)).toEqual(
      expect.arrayContaining(['task_events_default', 'task_events_legacy']),
    );
    expect(partitions.rows.length).toBe(2 + 3);
    // Three instances at once applied each migration exactly once.
    const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
      entries: { when: number }[];
    };
    const ledger = `select hash, created_at::text from drizzle.__drizzle_migrations order by id`;
    const applied = (await db.pool.query(ledger)).rows;
    expect(applied.map((row) => Number(row.created_at))).toEqual(journal.entries.map((entry) => entry.when));
    // The ledger is drizzle-orm's own: its migrator finds this database up to date.
    await migrate(drizzle(db.pool), { migrationsFolder: MIGRATIONS_FOLDER });
    expect((await db.pool.query(ledger)).rows).toEqual(applied);
    await Promise.all(pools.map((pool) => pool.end()));
  });
});
