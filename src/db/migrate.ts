import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Pool } from 'pg';

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
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
      await client.query(`reset client_min_messages`);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
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
