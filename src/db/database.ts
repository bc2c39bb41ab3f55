import { resolve } from 'node:path';
import pg from 'pg';
import { type Config, DEFAULT_EMBEDDED_DATA_DIR } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './embedded-postgres.js';
import { runMigrations } from './migrate.js';

// bigint counts (count(*)) arrive as strings by default; ours stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface Database {
  pool: pg.Pool;
  /** The connection string in use (embedded or configured); for LISTEN clients and tools. */
  url: string;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/**
 * Connects to the configured PostgreSQL, or starts the embedded one when no URL or host is
 * given, then applies migrations.
 */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  const storage = config.storage;
  let embedded: EmbeddedServer | undefined;
  let url = storage.url ?? (storage.host ? urlFromFields(storage) : undefined);
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: storage.embedded.dataDir,
      dataDirIsDefault: resolve(storage.embedded.dataDir) === resolve(DEFAULT_EMBEDDED_DATA_DIR),
      port: storage.embedded.port,
      log,
    });
    url = embedded.url;
  }
  const pool = createPool({ url, config, log });
  try {
    await runMigrations(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    await embedded?.stop();
    throw error;
  }
  return {
    pool,
    url,
    embedded,
    async close() {
      await pool.end().catch((error: unknown) => log.warn({ err: error }, 'closing the pool failed'));
      await embedded?.stop();
    },
  };
}

export function createPool(options: { url: string; config: Config; log: Logger; max?: number }): pg.Pool {
  const { storage } = options.config;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? storage.poolSize,
    statement_timeout: storage.statementTimeout,
    lock_timeout: storage.lockTimeout,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'pgtask',
  });
  // An idle connection killed by the server (restart, pg_terminate_backend) must not take the
  // process down; the pool drops it and the next query opens a new one.
  // (Only message and code: the error carries its client object, far too large to log.)
  pool.on('error', (error: Error & { code?: string }) =>
    options.log.warn({ error: error.message, code: error.code }, 'idle database connection lost'),
  );
  return pool;
}

function urlFromFields(storage: Config['storage']): string {
  const auth = storage.password
    ? `${encodeURIComponent(storage.user)}:${encodeURIComponent(storage.password)}`
    : encodeURIComponent(storage.user);
  return `postgres://${auth}@${storage.host}:${storage.port}/${encodeURIComponent(storage.dbname)}`;
}
