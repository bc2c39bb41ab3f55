/**
 * `npm run bench [-- --quick] [--only ours,ceiling] [--profile]`: the same workload against the raw-SQL
 * ceiling (with and without history), our engine and the peers, one PostgreSQL, one run. Each
 * system and scenario runs in its own child process on its own fresh database. Prints a table
 * and writes bench/results.json; exits 1 when any figure failed its checks.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { createFreshDatabase, describeMachine, openBenchServer } from './bench-database.js';
import { ratios, renderTable, summarise } from './report.js';
import {
  type ChildRequest,
  type ScenarioName,
  type ScenarioResult,
  SYSTEMS,
  type SystemName,
  workloadFor,
} from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = join(ROOT, 'bench', 'results.json');
/**
 * Children run a bundle of bench/child.ts rather than `node --import tsx`: on Node 20 the tsx
 * loader runs in its own thread and adds ~30 MB to every process's RSS, which would be charged to
 * the system under test.
 */
const PROFILE_DIR = join(ROOT, '.data', 'bench-profiles');
const CHILD_BUNDLE_DIR = join(ROOT, '.data', 'bench');
const CHILD_BUNDLE = join(CHILD_BUNDLE_DIR, 'child.js');

/**
 * Files under src/ find their neighbours through import.meta.url (drizzle/, ui/, thread workers);
 * inside the bundle each keeps the URL of its source file, so those paths resolve as in `npm start`.
 */
const keepSourceLocations: Plugin = {
  name: 'keep-source-locations',
  setup(plugin) {
    plugin.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      };
    });
  },
};

async function bundleChild(): Promise<void> {
  rmSync(CHILD_BUNDLE_DIR, { recursive: true, force: true });
  await build({
    entryPoints: [join(ROOT, 'bench', 'child.ts')],
    outdir: CHILD_BUNDLE_DIR,
    // Each system in its own chunk, loaded only by the child that runs it.
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // No source maps: Node's source-map cache would be charged to the system's RSS.
    logLevel: 'warning',
    plugins: [keepSourceLocations],
  });
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
const workload = workloadFor(quick);
const systems = selectSystems(values.only);

function selectSystems(only: string | undefined): SystemName[] {
  if (!only) return [...SYSTEMS];
  const wanted = only.split(',').map((name) => name.trim());
  for (const name of wanted) {
    if (!SYSTEMS.includes(name as SystemName)) {
      throw new Error(`--only: unknown system "${name}"; known: ${SYSTEMS.join(', ')}`);
    }
  }
  return SYSTEMS.filter((name) => wanted.includes(name));
}

function scenariosFor(system: SystemName): ScenarioName[] {
  const common: ScenarioName[] = ['enqueue', 'drain-c10', 'drain-c50', 'latency'];
  return system === 'ours' ? [...common, 'rss-backlog', 'http-enqueue'] : common;
}

/** `--profile`: a V8 CPU profile per child in .data/bench-profiles (open in Chrome DevTools). */
function profileFlags(request: ChildRequest): string[] {
  if (!values.profile) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${PROFILE_DIR}`,
    `--cpu-prof-name=${request.system}-${request.scenario}.cpuprofile`,
  ];
}

function runChild(request: ChildRequest, timeoutMs: number): Promise<ScenarioResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...profileFlags(request), CHILD_BUNDLE, JSON.stringify(request)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    // The child's own output goes to stderr, so stdout stays the progress lines and the table.
    child.stdout.pipe(process.stderr);
    child.stderr.pipe(process.stderr);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        const result = JSON.parse(readFileSync(request.outFile, 'utf8')) as ScenarioResult;
        rmSync(request.outFile, { force: true });
        resolve(result);
      } catch {
        resolve({
          system: request.system,
          scenario: request.scenario,
          ok: false,
          error: timedOut
            ? `no result within ${timeoutMs / 1000} s (killed)`
            : `child exited with code ${code} and no result`,
          rss: { baselineMb: 0, peakMb: 0, endMb: 0, samples: 0 },
        });
      }
    });
  });
}

function describe(result: ScenarioResult): string {
  if (!result.ok) return `FAILED: ${result.error}`;
  const parts: string[] = [];
  if (result.perSecond !== undefined) parts.push(`${result.perSecond.toLocaleString('en-US')}/s`);
  if (result.timeBoxed) parts.push(`time-boxed: ${result.completed} of ${result.tasks} done`);
  if (result.latency) parts.push(`p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms`);
  if (result.extra?.fellBehind) parts.push(`falls behind: ${result.extra.note}`);
  parts.push(`RSS peak ${result.rss.peakMb} MB`);
  return parts.join(', ');
}

async function main(): Promise<void> {
  await bundleChild();
  const server = await openBenchServer();
  const machine = await describeMachine(server);
  console.log(
    `bench${quick ? ' --quick' : ''}: ${machine.cores} cores (${machine.cpuModel}), PostgreSQL ${machine.postgres} ` +
      `(${machine.postgresSource}, fsync=${machine.postgresSettings.fsync}, synchronous_commit=${machine.postgresSettings.synchronous_commit}), Node ${machine.node}`,
  );
  const results: ScenarioResult[] = [];
  const startedAt = Date.now();
  try {
    for (const system of systems) {
      for (const scenario of scenariosFor(system)) {
        const name = `bench_${system}_${scenario}_${process.pid}`.replaceAll('-', '_');
        const database = await createFreshDatabase(server, name);
        const outFile = join(os.tmpdir(), `${name}.json`);
        const timeoutMs = scenario === 'rss-backlog' ? 900_000 : 300_000;
        process.stdout.write(`${system.padEnd(25)} ${scenario.padEnd(13)} `);
        const result = await runChild(
          { system, scenario, databaseUrl: database.url, workload, outFile },
          timeoutMs,
        );
        await database.drop();
        console.log(describe(result));
        results.push(result);
      }
    }
  } finally {
    await server.close();
  }

  const summary = summarise(results, systems);
  const settings: Record<string, unknown> = { workload };
  for (const result of results) {
    const key = `${result.system} ${result.scenario}`;
    if (result.extra?.settings) settings[key] = result.extra.settings;
  }
  const report = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${quick ? ' -- --quick' : ''}${values.only ? ` -- --only ${values.only}` : ''}`,
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    machine,
    settings,
    summary,
    ratios: ratios(summary),
    notes: [
      'Drain rates run from the first handler start to the poll (every 20 ms) that sees the last success stored.',
      'A figure marked time-boxed is the rate over the tasks that finished before the drain was stopped.',
      'Latency: one task per enqueue call at a steady 200/s, open loop; enqueue-call start to handler start, same process, warm-up of 20 excluded.',
      'RSS: peak resident set of the child process doing the work (a plain node process running a bundle of bench/child.ts); ours with the backlog waiting, the others during the c50 drain.',
    ],
    results,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${renderTable(summary)}\n`);
  console.log(
    '* time-boxed: the drain was stopped after',
    workload.drainTimeBoxSeconds,
    's; rate over the tasks that finished.',
  );
  console.log(`ratios (ours / other): ${JSON.stringify(report.ratios, null, 1)}`);
  console.log(`wrote ${RESULTS_FILE} in ${report.durationSeconds} s`);
  const failed = results.filter((result) => !result.ok);
  if (failed.length > 0) {
    console.error(`\n${failed.length} figure(s) failed their checks:`);
    for (const result of failed) console.error(`  ${result.system} ${result.scenario}: ${result.error}`);
    process.exitCode = 1;
  }
}

await main();
