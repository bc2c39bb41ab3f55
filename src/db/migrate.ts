import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Pool, PoolClient } from 'pg';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Any 64-bit constant works; it only has to be the same for every instance of this service. */
const MIGRATION_LOCK_ID = 7_242_310_981;

/**
 * Applies the committed drizzle-kit migrations. Several instances may start at once: the first
 * takes a session advisory lock and migrates, the others wait on it and then find nothing to do.
 */
export async function runMigrations(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      // drizzle logs NOTICEs for "schema already exists"; silence them for this session only.
      await client.query(`set client_min_messages = warning`);
      await applyMigrations(client);
      await client.query(`reset client_min_messages`);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/**
 * What drizzle-orm's node-postgres migrator does (same ledger table, hashes and order: a
 * database migrated by either is up to date for the other), on a plain pg client. The driver
 * layer of drizzle-orm is left out on purpose: on Node 24 loading it cost ~100 MB of RSS that the
 * process then kept (idle 224 → 120 MB, README "Migrations on plain pg"), for statements this
 * function sends as they are.
 */
async function applyMigrations(client: PoolClient): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  await client.query('create schema if not exists drizzle');
  await client.query(
    'create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)',
  );
  const { rows } = await client.query<{ created_at: string }>(
    'select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1',
  );
  const last = rows[0] ? Number(rows[0].created_at) : undefined;
  const pending = migrations.filter((migration) => last === undefined || last < migration.folderMillis);
  if (pending.length === 0) return;
  await client.query('begin');
  try {
    for (const migration of pending) {
      for (const statement of migration.sql) await client.query(statement);
      await client.query('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [
        migration.hash,
        migration.folderMillis,
      ]);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

const expectedMigrations: number = (
  JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }
).entries.length;

export type Readiness = { ready: true } | { ready: false; reason: string };

/** Ready means: the database answers and every migration this build ships is applied. */
export async function checkReadiness(pool: Pool): Promise<Readiness> {
  try {
    const { rows } = await pool.query<{ applied: number }>(
      `select count(*)::int as applied from drizzle.__drizzle_migrations`,
    );
    const applied = rows[0]?.applied ?? 0;
    if (applied < expectedMigrations) {
      return {
        ready: false,
        reason: `database not migrated: ${applied} of ${expectedMigrations} migrations applied`,
      };
    }
    return { ready: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42P01' || code === '3F000') return { ready: false, reason: 'database not migrated' };
    return { ready: false, reason: `database unreachable: ${(error as Error).message}` };
  }
}
