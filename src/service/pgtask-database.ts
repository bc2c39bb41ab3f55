import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { openDatabase } from '../db/database.js';
import { runMigrations } from '../db/migrate.js';
import type { Logger } from '../logger.js';

/** The database a pgtask instance works on, and whether closing it is ours to do. */
export interface PgtaskDatabase {
  pool: pg.Pool;
  /** For the LISTEN connections: a URL or the settings of the pool's own connections. */
  listen: string | pg.ClientConfig;
  close(): Promise<void>;
}

/**
 * The caller's pool (migrated, never closed by us), else the configured URL or the embedded
 * PostgreSQL (opened, migrated and closed by us, as `npm start` does).
 */
export async function connectDatabase(options: {
  pool?: pg.Pool;
  databaseUrl?: string;
  config: Config;
  log: Logger;
}): Promise<PgtaskDatabase> {
  const { pool } = options;
  if (pool) {
    await runMigrations(pool);
    return { pool, listen: options.databaseUrl ?? connectionSettingsOf(pool), close: async () => {} };
  }
  const database = await openDatabase(options.config, options.log);
  return { pool: database.pool, listen: database.url, close: () => database.close() };
}

/** A pool's connection settings without its pool-only ones (size, idle time), for one extra client. */
function connectionSettingsOf(pool: pg.Pool): pg.ClientConfig {
  const { max: _max, min: _min, idleTimeoutMillis: _idle, ...settings } = pool.options as pg.PoolConfig;
  return settings;
}
