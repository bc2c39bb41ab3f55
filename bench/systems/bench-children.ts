import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createApp } from '../../src/api/app.js';
import { startHttpServer } from '../../src/api/http-server.js';
import type { Config } from '../../src/config/schema.js';
import { createPool } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrate.js';
import { Engine } from '../../src/engine/engine.js';
import { benchLog } from '../bench-log.js';
import { noopRegistry } from './ours.js';

/** The same bundle this process runs, started with another request (an instance, the workers). */
export function startChild(request: unknown): ChildProcess {
  return spawn(process.execPath, [process.argv[1]!, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
}

/** Resolves when the child prints `ready`; rejects if it exits first. */
export function readyLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
    });
    child.once('exit', (code) => reject(new Error(`a child exited with code ${code} before it was ready`)));
  });
}

/** SIGTERM, then resolves when it exited (its graceful stop included). */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Our engine and HTTP app on a random port in this process, migrated first. */
export async function startServedEngine(options: {
  databaseUrl: string;
  config: Config;
  nodeId: string;
  processTasks: boolean;
}) {
  const { config, databaseUrl } = options;
  const pool = createPool({ url: databaseUrl, config, log: benchLog });
  let engine: Engine | undefined;
  try {
    await runMigrations(pool);
    engine = await Engine.start({
      config,
      pool,
      databaseUrl,
      log: benchLog,
      registry: noopRegistry(() => {}),
      nodeId: options.nodeId,
      processTasks: options.processTasks,
    });
    const server = await startHttpServer(createApp({ engine, config, log: benchLog }), {
      host: '127.0.0.1',
      port: 0,
    });
    const started = engine;
    return {
      pool,
      engine: started,
      port: server.port,
      async close() {
        await server.close();
        await started.stop();
        await pool.end();
      },
    };
  } catch (error) {
    await engine?.stop().catch(() => {});
    await pool.end().catch(() => {});
    throw error;
  }
}
