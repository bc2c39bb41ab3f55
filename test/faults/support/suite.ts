import type pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { ServiceProcess, type StartOptions, waitFor } from './service.js';

export interface FaultSuite {
  /** The suite's database (read it inside a test). */
  readonly db: TestDatabase;
  /** Starts an instance on the suite's database; it is destroyed after the suite. */
  start(options: Omit<StartOptions, 'databaseUrl'>): Promise<ServiceProcess>;
}

/**
 * For one describe block: a database of its own and the service processes its test starts on it,
 * all destroyed (and the database dropped) after the block. When a test fails, the last
 * `logLinesOnFailure` log lines of every instance are printed.
 */
export function faultSuite(options: { logLinesOnFailure?: number } = {}): FaultSuite {
  let db: TestDatabase | undefined;
  const instances: ServiceProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach((context) => {
    context.onTestFailed(() => {
      for (const instance of instances) console.log(instance.tail(options.logLinesOnFailure ?? 60));
    });
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.destroy()));
    await db?.drop();
  });
  const database = () => {
    if (!db) throw new Error('faultSuite: read it inside a test, once beforeAll ran');
    return db;
  };
  return {
    get db() {
      return database();
    },
    async start(options) {
      const instance = await ServiceProcess.start({ ...options, databaseUrl: database().url });
      instances.push(instance);
      return instance;
    },
  };
}

/** Waits until `node` runs `running` tasks and holds `held` in all (running plus claimed). */
export function untilNodeHolds(
  pool: pg.Pool,
  node: ServiceProcess,
  expected: { running: number; held: number; timeoutMs: number; everyMs?: number },
): Promise<true> {
  return waitFor(
    `${node.name} to run ${expected.running} tasks and hold ${expected.held}`,
    async () => {
      const { rows } = await pool.query(
        `select count(*) filter (where status = 'running')::int as running, count(*)::int as held
         from tasks where locked_by = $1`,
        [node.nodeId],
      );
      return rows[0].running === expected.running && rows[0].held === expected.held;
    },
    expected,
  );
}
