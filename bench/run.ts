/**
 * `npm run bench [-- --quick] [--only ours,ceiling] [--rounds 3] [--profile]`: the same workload
 * against the raw-SQL ceiling (with and without history), our engine and the peers at their
 * current releases, one PostgreSQL, one run, every system on Node 24. Each system and scenario
 * runs in its own child process on its own fresh database; a round runs scenario by scenario
 * across the systems (so the figures of a ratio are measured close together), and with
 * `--rounds N` each figure is the median of N. Prints the tables and the targets of issue 15
 * with pass/miss, and writes bench/results.json; exits 1 when any figure failed its checks.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { createFreshDatabase, describeMachine, openBenchServer } from './bench-database.js';
import { ensurePeersInstalled, node24Binary } from './node24.js';
import { ratios, renderTable, renderTargets, summarise } from './report.js';
import {
  type ChildRequest,
  PEER_SYSTEMS,
  SCENARIO_ORDER,
  type ScenarioName,
  type ScenarioResult,
  SYSTEMS,
  type SystemName,
  scenariosFor,
  workloadFor,
} from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = join(ROOT, 'bench', 'results.json');
/** `--scale` runs only the at-scale scenario: its figures go beside the full run's, not over them. */
const SCALE_RESULTS_FILE = join(ROOT, 'bench', 'results-scale.json');
/**
 * Children run a bundle of bench/child.ts rather than `node --import tsx`: on Node 20 the tsx
 * loader runs in its own thread and adds ~30 MB to every process's RSS, which would be charged to
 * the system under test.
 */
const PROFILE_DIR = join(ROOT, '.data', 'bench-profiles');
/** Inside bench/peers, so the bundle's bare imports find the peers' node_modules first. */
const CHILD_BUNDLE_DIR = join(ROOT, 'bench', 'peers', '.bundle');
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
    entryPoints: [
      join(ROOT, 'bench', 'child.ts'),
      ...['graphile-worker', 'pg-boss', 'bullmq'].map((peer) => join(ROOT, 'bench', 'peers', `${peer}.ts`)),
    ],
    outdir: CHILD_BUNDLE_DIR,
    outbase: join(ROOT, 'bench'),
    // Each system in its own chunk, loaded only by the child that runs it.
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    // No source maps: Node's source-map cache would be charged to the system's RSS.
    logLevel: 'warning',
    plugins: [keepSourceLocations],
  });
}

function usageError(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function parseBenchArgs() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        scenarios: { type: 'string' },
        profile: { type: 'boolean', default: false },
        rounds: { type: 'string', default: '1' },
        'skip-scale': { type: 'boolean', default: false },
        scale: { type: 'boolean', default: false },
        'scale-tasks': { type: 'string' },
        soak: { type: 'string' },
      },
    }).values;
  } catch (error) {
    return usageError(
      `${(error as Error).message}; flags: --quick, --only SYSTEMS, --scenarios NAMES, --rounds N, --profile, --scale, --skip-scale, --scale-tasks N, --soak DURATION`,
    );
  }
}

const values = parseBenchArgs();
const soakMs = values.soak === undefined ? undefined : parseSoakDuration(values.soak);

/** `--soak 20m` / `90s` / `1h`. */
function parseSoakDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text.trim());
  if (!match) usageError(`--soak: a duration such as 20m, 90s or 1h, got "${text}"`);
  const ms = Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
  if (ms < 30_000) usageError('--soak: at least 30s');
  return ms;
}
const quick = values.quick ?? false;
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) {
  usageError(`--rounds: a whole number from 1 to 9, got "${values.rounds}"`);
}
const workload = workloadFor(quick);
if (values['scale-tasks'] !== undefined) {
  // A smaller at-scale load, to try the scenario out; the published figures use the default.
  const scaleTasks = Number(values['scale-tasks']);
  if (!Number.isInteger(scaleTasks) || scaleTasks < 1000) {
    usageError(`--scale-tasks: a whole number from 1000 up, got "${values['scale-tasks']}"`);
  }
  workload.scaleTasks = scaleTasks;
}
// The at-scale scenario loads millions of rows: `--skip-scale` leaves it out, `--scale` runs only it.
const systems = values.scale ? (['ours'] as SystemName[]) : selectSystems(values.only);
const scenarios = values.scale
  ? (['at-scale'] as ScenarioName[])
  : selectScenarios(values.scenarios).filter((name) => !(values['skip-scale'] && name === 'at-scale'));

function selectSystems(only: string | undefined): SystemName[] {
  if (!only) return [...SYSTEMS];
  const wanted = only.split(',').map((name) => name.trim());
  for (const name of wanted) {
    if (!SYSTEMS.includes(name as SystemName)) {
      usageError(`--only: unknown system "${name}"; known: ${SYSTEMS.join(', ')}`);
    }
  }
  return SYSTEMS.filter((name) => wanted.includes(name));
}

function selectScenarios(names: string | undefined): ScenarioName[] {
  if (!names) return [...SCENARIO_ORDER];
  const wanted = names.split(',').map((name) => name.trim());
  for (const name of wanted) {
    if (!SCENARIO_ORDER.includes(name as ScenarioName)) {
      usageError(`--scenarios: unknown scenario "${name}"; known: ${SCENARIO_ORDER.join(', ')}`);
    }
  }
  return SCENARIO_ORDER.filter((name) => wanted.includes(name));
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

function runChild(node: string, request: ChildRequest, timeoutMs: number): Promise<ScenarioResult> {
  return new Promise((resolve) => {
    const child = spawn(node, [...profileFlags(request), CHILD_BUNDLE, JSON.stringify(request)], {
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

/** The median result of each system and scenario over the rounds (by rate, or by p99 for latency). */
function medians(results: ScenarioResult[]): ScenarioResult[] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const result of results) {
    const key = `${result.system} ${result.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  const picked: ScenarioResult[] = [];
  for (const group of groups.values()) {
    const ok = group.filter((result) => result.ok);
    if (ok.length === 0) {
      picked.push(group[0]!);
      continue;
    }
    const figure = (result: ScenarioResult) =>
      result.latency && result.scenario === 'latency'
        ? result.latency.p99Ms
        : (result.perSecond ?? result.rss.peakMb);
    ok.sort((a, b) => figure(a) - figure(b));
    picked.push({
      ...ok[Math.floor((ok.length - 1) / 2)]!,
      extra: {
        ...ok[Math.floor((ok.length - 1) / 2)]!.extra,
        roundsOk: ok.length,
        roundsRun: group.length,
        figures: ok.map(figure),
      },
    });
  }
  return picked;
}

async function main(): Promise<void> {
  if (soakMs !== undefined) return soak(soakMs);
  const node = node24Binary(ROOT);
  if (systems.some((system) => PEER_SYSTEMS.includes(system))) ensurePeersInstalled(ROOT, node);
  await bundleChild();
  const server = await openBenchServer();
  const machine = await describeMachine(server);
  const childNode = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(
    `bench${quick ? ' --quick' : ''}: ${machine.cores} cores (${machine.cpuModel}), PostgreSQL ${machine.postgres} ` +
      `(${machine.postgresSource}, fsync=${machine.postgresSettings.fsync}, synchronous_commit=${machine.postgresSettings.synchronous_commit}), ` +
      `systems on Node ${childNode}, ${rounds} round(s), load ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
  );
  const results: ScenarioResult[] = [];
  const loads: { at: string; system: string; scenario: string; round: number; load1: number }[] = [];
  const startedAt = Date.now();
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const scenario of scenarios) {
        for (const system of systems) {
          if (!scenariosFor(system).includes(scenario)) continue;
          // One load of millions of rows is enough: the at-scale scenario runs in the first round only.
          if (scenario === 'at-scale' && round > 1) continue;
          const name = `bench_${system}_${scenario}_${process.pid}`.replaceAll('-', '_');
          const database = await createFreshDatabase(server, name);
          const outFile = join(os.tmpdir(), `${name}.json`);
          const timeoutMs =
            scenario === 'at-scale' ? 2_400_000 : scenario === 'rss-backlog' ? 900_000 : 300_000;
          const load1 = os.loadavg()[0]!;
          process.stdout.write(
            `${rounds > 1 ? `r${round} ` : ''}${system.padEnd(25)} ${scenario.padEnd(13)} load ${load1.toFixed(2).padStart(5)}  `,
          );
          const result = await runChild(
            node,
            { system, scenario, databaseUrl: database.url, workload, outFile },
            timeoutMs,
          );
          await database.drop();
          console.log(describe(result));
          results.push({ ...result, round });
          loads.push({
            at: new Date().toISOString(),
            system,
            scenario,
            round,
            load1: Math.round(load1 * 100) / 100,
          });
        }
      }
    }
  } finally {
    await server.close();
  }
  const measured = medians(results);

  const summary = summarise(measured, systems);
  const settings: Record<string, unknown> = { workload, rounds };
  for (const result of measured) {
    const key = `${result.system} ${result.scenario}`;
    if (result.extra?.settings) settings[key] = result.extra.settings;
  }
  const report = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    machine: { ...machine, harnessNode: machine.node, node: childNode, loadDuringRun: loads },
    settings,
    summary,
    ratios: ratios(summary),
    notes: [
      `Every system ran on Node ${childNode}; a round runs each scenario across the systems before the next scenario${rounds > 1 ? `; each figure is the median of ${rounds} rounds` : ''}.`,
      'Drain rates run from the first handler start to the poll (every 20 ms) that sees the last success stored.',
      'A figure marked time-boxed is the rate over the tasks that finished before the drain was stopped.',
      'Latency: one task per enqueue call at a steady 200/s, open loop; enqueue-call start to handler start, same process, warm-up of 20 excluded.',
      'RSS: peak resident set of the child process doing the work (a plain node process running a bundle of bench/child.ts); ours with the backlog waiting, the others during the c50 drain.',
    ],
    results,
  };
  const resultsFile = values.scale ? SCALE_RESULTS_FILE : RESULTS_FILE;
  writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${renderTable(summary)}\n`);
  console.log(
    '* time-boxed: the drain was stopped after',
    workload.drainTimeBoxSeconds,
    's; rate over the tasks that finished.',
  );
  console.log(`\nTargets (issue 15), ratios in this run:\n\n${renderTargets(report.ratios.targets)}\n`);
  console.log(`wrote ${resultsFile} in ${report.durationSeconds} s`);
  const failed = results.filter((result) => !result.ok);
  if (failed.length > 0) {
    console.error(`\n${failed.length} figure(s) failed their checks:`);
    for (const result of failed) console.error(`  ${result.system} ${result.scenario}: ${result.error}`);
    process.exitCode = 1;
  }
}

/** `--soak`: one long child; its per-minute figures printed as a table and kept in bench/results-soak.json. */
async function soak(durationMs: number): Promise<void> {
  const node = node24Binary(ROOT);
  await bundleChild();
  const server = await openBenchServer();
  const machine = await describeMachine(server);
  const name = `bench_soak_${process.pid}`;
  const database = await createFreshDatabase(server, name);
  const outFile = join(os.tmpdir(), `${name}.json`);
  const load1 = os.loadavg()[0]!;
  console.log(
    `bench --soak ${Math.round(durationMs / 1000)} s: ${machine.cores} cores, PostgreSQL ${machine.postgres}, load ${load1.toFixed(2)}`,
  );
  let result: ScenarioResult;
  try {
    result = await runChild(
      node,
      { system: 'ours', scenario: 'soak', databaseUrl: database.url, workload, outFile, soakMs: durationMs },
      durationMs + 600_000,
    );
  } finally {
    await database.drop().catch(() => {});
    await server.close();
  }
  writeFileSync(
    join(ROOT, 'bench', 'results-soak.json'),
    `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, load1, result }, null, 2)}\n`,
  );
  if (!result.ok) {
    console.error(`soak FAILED: ${result.error}`);
    process.exitCode = 1;
    return;
  }
  const extra = result.extra as {
    maximumPerSecond: number;
    ratePerSecond: number;
    p99LastOverFirst: number | null;
    minutes: {
      minute: number;
      sent: number;
      p50Ms: number | null;
      p99Ms: number | null;
      tables: Record<
        string,
        { totalMb: number; indexesMb: number; live: number; dead: number; deadShare: number }
      >;
      autovacuums: Record<string, number>;
    }[];
    sliceSeconds: number;
  };
  console.log(
    `\nmaximum ${extra.maximumPerSecond}/s (single-task enqueues, 10 callers), soak at ${extra.ratePerSecond}/s; slices of ${extra.sliceSeconds} s\n`,
  );
  console.log(
    '| slice | sent | p50 / p99 ms | tasks MB (indexes) | tasks dead | task_events MB (indexes) | queue_counts / deltas dead | autovacuums (tasks) |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const minute of extra.minutes) {
    const tasks = minute.tables.tasks;
    const events = minute.tables.task_events;
    const counts = minute.tables.queue_counts;
    const deltas = minute.tables.queue_count_deltas;
    console.log(
      `| ${minute.minute} | ${minute.sent} | ${minute.p50Ms} / ${minute.p99Ms} | ${tasks?.totalMb} (${tasks?.indexesMb}) | ${tasks ? `${Math.round(tasks.deadShare * 100)}%` : '—'} | ${events?.totalMb} (${events?.indexesMb}) | ${counts?.dead ?? '—'} / ${deltas?.dead ?? '—'} | ${minute.autovacuums.tasks ?? 0} |`,
    );
  }
  console.log(`\np99 of the last slice / the first: ${extra.p99LastOverFirst ?? '—'} (goal ≤ 1.5)`);
  console.log('wrote bench/results-soak.json');
}

await main();
