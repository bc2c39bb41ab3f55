import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { type HttpServer, startHttpServer } from '../../src/api/http-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createPool } from '../../src/db/database.js';
import { type EmbeddedServer, findFreePort, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { checkReadiness, runMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { until } from '../support/until.js';

/**
 * /readyz follows the database: this file runs its own embedded PostgreSQL so it can stop and
 * start it without disturbing the other test files.
 */
describe('GET /readyz follows the database', () => {
  const log = createLogger({ level: 'silent', pretty: false });
  let root: string;
  let dataDir: string;
  let port: number;
  let database: EmbeddedServer | undefined;
  let pool: pg.Pool;
  let http: HttpServer;

  const getReadyz = async () => {
    const response = await fetch(`http://127.0.0.1:${http.port}/readyz`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.json(),
    };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pgtask-readyz-'));
    // As root, embedded-postgres runs the server as a "postgres" user that must reach the data dir.
    await chmod(root, 0o755);
    dataDir = join(root, 'pg');
    port = await findFreePort();
    database = await startEmbeddedPostgres({ dataDir, port, log, ephemeral: true });
    pool = createPool({ url: database.url, config: parseConfig({}), log, max: 2 });
    await runMigrations(pool);
    const app = createApp({ checkReadiness: () => checkReadiness(pool) });
    http = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await pool?.end().catch(() => {});
    await database?.stop();
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('answers 200 while the database is up, 503 with a reason while it is stopped, 200 once it is back', async () => {
    expect(await getReadyz()).toEqual({ status: 200, type: 'application/json', body: { status: 'ready' } });

    await database!.stop();
    database = undefined;
    const down = await getReadyz();
    expect(down.status).toBe(503);
    expect(down.type).toBe('application/json');
    expect(down.body).toEqual({
      status: 'not_ready',
      error: { code: 'not_ready', message: expect.stringMatching(/^database unreachable: /) },
    });
    // /healthz is about the process only: it stays up while the database is away.
    expect((await fetch(`http://127.0.0.1:${http.port}/healthz`)).status).toBe(200);

    database = await startEmbeddedPostgres({ dataDir, port, log, ephemeral: true });
    // The pool drops connections the restart killed; a fresh one answers within a few tries
    // (a state, polled, with a deadline that bounds a hang rather than measures the machine).
    let up = await getReadyz();
    await until(
      async () => {
        up = await getReadyz();
        return up.status === 200;
      },
      { what: '/readyz 200 after the restart', everyMs: 100 },
    );
    expect(up).toEqual({ status: 200, type: 'application/json', body: { status: 'ready' } });
  }, 120_000);

  it('reports a reachable but unmigrated database as not ready', async () => {
    await pool.query('alter table drizzle.__drizzle_migrations rename to __drizzle_migrations_moved');
    try {
      const response = await getReadyz();
      expect(response.status).toBe(503);
      expect(response.body.error.message).toBe('database not migrated');
    } finally {
      await pool.query('alter table drizzle.__drizzle_migrations_moved rename to __drizzle_migrations');
    }
    expect((await getReadyz()).status).toBe(200);
  });
});
