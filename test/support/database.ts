import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  name: string;
  url: string;
  /** A small pool for assertions straight against the tables. */
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file (cloned from the run's template), so files can
 * run in parallel without seeing each other's rows. Set `migrated: false` for an empty one.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const name = `${inject('runPrefix')}_${randomBytes(5).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : inject('templateDatabase');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        // Two clones of one template at the same instant can collide; a retry settles it.
        if (attempt >= 10 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((done) => setTimeout(done, 100 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  const url = databaseUrl(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => {});
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await client.end();
    },
  };
}

export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
