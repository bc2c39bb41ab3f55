import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { parseConfig } from '../../src/config/load-config.js';
import { createPool } from '../../src/db/database.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser connection to the server the tests use (machine's or embedded). */
    adminUrl: string;
    /** A migrated database that each test file clones (CREATE DATABASE … TEMPLATE). */
    templateDatabase: string;
    /** Prefix of every database this run creates, so teardown can drop them all. */
    runPrefix: string;
  }
}

/**
 * With DATABASE_URL the tests use that server; without it one embedded PostgreSQL serves the
 * whole run. Migrations run once into a template database; each test file clones it.
 */
export default async function setup(project: TestProject) {
  const log = createLogger({ level: 'warn', pretty: false });
  let embedded: EmbeddedServer | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = await mkdtemp(join(tmpdir(), 'pgtask-test-'));
    await import('node:fs/promises').then((fs) => fs.chmod(dataDir!, 0o755));
    embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), log, ephemeral: true });
    adminUrl = embedded.url;
  }
  const runPrefix = `pgtask_t${Date.now().toString(36)}${process.pid.toString(36)}`;
  const templateDatabase = `${runPrefix}_template`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${templateDatabase}`);
  const templatePool = createPool({
    url: withDatabase(adminUrl, templateDatabase),
    config: parseConfig({}),
    log,
    max: 1,
  });
  await runMigrations(templatePool);
  await templatePool.end();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runPrefix', runPrefix);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like $1 || '%'`,
      [runPrefix],
    );
    for (const { datname } of rows) {
      await admin.query(`drop database if exists ${datname} with (force)`).catch(() => {});
    }
    await admin.end();
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
