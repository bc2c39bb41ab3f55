/**
 * The randomized fault soak (`npm run test:soak -- [--duration 5m] [--seed N] [--break unfenced]`):
 * three instances of the service on a PostgreSQL server of its own, a steady mixed load over
 * HTTP, and a seeded schedule of faults (kill -9, SIGSTOP past the lease, SIGTERM, backends
 * terminated, the server itself stopped and started). Afterwards the checker reads the database
 * and proves nothing was lost, doubled or left behind. A failure prints the seed: `--seed N`
 * replays the same load and schedule. Exit 0 when the checker found nothing, 1 otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseDuration } from '../../src/config/duration.js';
import { REPO } from '../faults/support/service.js';
import { checkSoak, readSoakState } from './checker.js';
import { Cluster } from './cluster.js';
import { FAULT_KINDS, FAULT_NAMES, FaultSchedule } from './faults.js';
import { Load } from './load.js';
import { PostgresServer } from './postgres-server.js';
import { Random } from './random.js';

const DATABASE = 'soak';
const DRAIN_TIMEOUT_MS = 120_000;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5m' },
    seed: { type: 'string' },
    break: { type: 'string' },
    'faults-per-kind': { type: 'string' },
  },
});
const durationMs = parseDuration(values.duration ?? '5m');
if (durationMs === undefined || durationMs < 20_000) {
  console.error('--duration must be a duration of at least 20s, like 5m or 1h');
  process.exit(2);
}
if (values.break !== undefined && values.break !== 'unfenced') {
  console.error('--break takes one value: unfenced (completions skip their fence)');
  process.exit(2);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error('--seed must be a whole number');
  process.exit(2);
}
// 22 of every kind in 5 minutes (the CI run must see at least 20 of each), in proportion for other lengths.
const perKind = values['faults-per-kind']
  ? Number(values['faults-per-kind'])
  : Math.max(2, Math.round((22 * durationMs) / 300_000));

const started = Date.now();
const log = (line: string) => console.log(`[soak +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
log(
  `seed ${seed}, duration ${values.duration}, ${perKind} faults of each kind${values.break ? `, BROKEN BUILD: ${values.break}` : ''}`,
);

const random = new Random(seed);
const server = await PostgresServer.create();
let cluster: Cluster | undefined;
let admin: pg.Pool | undefined;
let exitCode = 1;
const newAdmin = () => {
  const pool = new pg.Pool({ connectionString: server.url('postgres'), max: 2 });
  pool.on('error', () => {});
  return pool;
};
try {
  await server.start();
  admin = newAdmin();
  await admin.query(`create database ${DATABASE}`);
  log(`PostgreSQL on port ${server.port} (${server.dir})`);

  cluster = new Cluster(['A', 'B', 'C'], {
    databaseUrl: server.url(DATABASE),
    env: values.break ? { PGTASK_TEST_BREAK: values.break } : {},
  });
  // The first one migrates; the others start on the migrated database.
  const [first, ...rest] = cluster.slots;
  await cluster.start(first!);
  await Promise.all(rest.map((slot) => cluster!.start(slot)));
  log('3 instances up; load and faults begin');

  const load = new Load(random, () => cluster!.running());
  const loadStarted = Date.now();
  load.start();
  const schedule = new FaultSchedule({
    random,
    cluster,
    server,
    admin: () => admin!,
    database: DATABASE,
    perKind,
    log,
  });
  const faults = schedule.run(durationMs - 10_000);
  await Promise.race([faults, new Promise((done) => setTimeout(done, durationMs))]);
  schedule.stop();
  await faults;
  await load.stop();
  const loadMs = Date.now() - loadStarted;
  log(`load stopped after ${(loadMs / 1000).toFixed(0)} s; faults: ${JSON.stringify(schedule.injected)}`);

  // Everything back up, then let the backlog drain.
  if (!server.up) await server.start();
  for (const slot of cluster.slots) if (!slot.service && !slot.busy) await cluster.start(slot);
  const pool = new pg.Pool({ connectionString: server.url(DATABASE), max: 3 });
  pool.on('error', () => {});
  const drainStarted = Date.now();
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from tasks where status not in ('succeeded', 'dead', 'cancelled') or locked_by is not null`,
    );
    if (rows[0]!.n === 0 || Date.now() - drainStarted > DRAIN_TIMEOUT_MS) break;
    await new Promise((done) => setTimeout(done, 250));
  }
  const drainMs = Date.now() - drainStarted;
  await cluster.close();

  const state = await readSoakState(pool);
  await pool.end();
  const report = checkSoak(state, load.acks);
  const violations = [...report.violations];
  for (const kind of FAULT_KINDS) {
    if (schedule.injected[kind] < perKind)
      violations.push(`only ${schedule.injected[kind]} of ${perKind} "${kind}" faults were injected`);
  }
  violations.push(...schedule.errors.map((error) => `fault harness: ${error}`));
  violations.push(...cluster.crashes.map((crash) => `instance crash: ${crash}`));
  violations.push(...load.serverErrors.map((error) => `server error: ${error}`));

  const figures = {
    seed,
    broken: values.break ?? null,
    durationS: Math.round(loadMs / 1000),
    tasksAcknowledged: load.acks.enqueued.length,
    tasksPerSecond: Math.round((load.acks.enqueued.length / loadMs) * 10_000) / 10,
    tasksChecked: report.tasksChecked,
    historyRows: state.events.length,
    finalStatuses: report.finalStatuses,
    faults: Object.fromEntries(FAULT_KINDS.map((kind) => [FAULT_NAMES[kind], schedule.injected[kind]])),
    acknowledged: {
      duplicates: load.acks.duplicates.length,
      cancels: load.acks.cancels.length,
      retries: load.acks.retries.length,
    },
    answers: Object.fromEntries([...load.answers].sort()),
    longestFaultWaitMs: report.longestFaultWaitMs,
    drainMs,
    violations: violations.length,
  };
  const dir = join(REPO, '.test-data', 'soak');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify({ ...figures, violations }, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
  if (violations.length > 0) {
    console.log(
      `\nSOAK FAILED: ${violations.length} violation(s) (seed ${seed}; replay with --seed ${seed}):`,
    );
    for (const violation of violations.slice(0, 40)) console.log(`- ${violation}`);
  } else {
    console.log(
      `\nsoak passed: ${report.tasksChecked} tasks checked, ${figures.tasksPerSecond} tasks/s, ` +
        `${Object.values(schedule.injected).reduce((a, b) => a + b, 0)} faults, seed ${seed}`,
    );
    exitCode = 0;
  }
} catch (error) {
  console.error(`soak harness failed (seed ${seed}):`, error);
  exitCode = 1;
} finally {
  await cluster?.close().catch(() => {});
  await admin?.end().catch(() => {});
  await server.destroy();
}
process.exit(exitCode);
