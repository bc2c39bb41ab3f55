import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadiness, runMigrations } from '../../src/db/migrate.js';
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
    const applied = await db.pool.query(`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(applied.rows[0].n).toBeGreaterThan(0);
    await Promise.all(pools.map((pool) => pool.end()));
  });
});
