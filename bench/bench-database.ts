import os from 'node:os';
import pg from 'pg';
import { type EmbeddedServer, startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { benchLog } from './bench-log.js';

export interface BenchServer {
  /** Connection string of the maintenance database, used to create and drop the bench databases. */
  url: string;
  embedded?: EmbeddedServer;
  admin: pg.Pool;
  close(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL with stock, durable settings (fsync
 * and synchronous_commit on): a bench that turned durability off would measure a different
 * product.
 */
export async function openBenchServer(): Promise<BenchServer> {
  let url = process.env.DATABASE_URL;
  let embedded: EmbeddedServer | undefined;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: '.data/bench-postgres', log: benchLog });
    url = embedded.url;
  }
  const admin = new pg.Pool({ connectionString: url, max: 2, application_name: 'bench-admin' });
  // The embedded server's shutdown may reach an idle connection first; that is not a bench failure.
  admin.on('error', (error) => benchLog.debug({ err: error }, 'idle admin connection closed'));
  return {
    url,
    embedded,
    admin,
    async close() {
      await admin.end();
      await embedded?.stop();
    },
  };
}

/** A fresh database for one system and one scenario; `drop` removes it even with clients left. */
export async function createFreshDatabase(
  server: BenchServer,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const quoted = pg.Client.prototype.escapeIdentifier(name);
  await server.admin.query(`drop database if exists ${quoted} with (force)`);
  await server.admin.query(`create database ${quoted}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await server.admin.query(`drop database if exists ${quoted} with (force)`);
    },
  };
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  postgres: string;
  postgresSource: 'DATABASE_URL' | 'embedded';
  postgresSettings: Record<string, string>;
}

export async function describeMachine(server: BenchServer): Promise<MachineInfo> {
  const settings = ['fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections'];
  const { rows } = await server.admin.query<{ name: string; setting: string }>(
    `select name, current_setting(name) as setting from unnest($1::text[]) as name`,
    [settings],
  );
  const version = await server.admin.query<{ v: string }>(`select current_setting('server_version') as v`);
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: version.rows[0]!.v,
    postgresSource: server.embedded ? 'embedded' : 'DATABASE_URL',
    postgresSettings: Object.fromEntries(rows.map((row) => [row.name, row.setting])),
  };
}
