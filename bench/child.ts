/**
 * One system, one scenario, one process: `node .data/bench/child.js '<json ChildRequest>'` (run.ts
 * bundles this file first; `node --import tsx bench/child.ts …` works too, with more RSS).
 * Writes its ScenarioResult as JSON to the request's outFile; the exit code says whether every
 * check passed. Running each in its own process keeps RSS per system and state from leaking
 * between systems.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchSystem, BenchSystemOptions } from './bench-system.js';
import { measureBacklogRss, measureDrain, measureEnqueue, measureLatency } from './scenarios.js';
import type { InstanceRequest } from './systems/ours-instances.js';
import type { RemoteWorkersRequest } from './systems/ours-remote-workers.js';
import type { ChildRequest, ScenarioResult, SystemName } from './workload.js';

/**
 * The peers' adapters import packages that exist only in bench/peers/node_modules (installed by
 * run.ts): loaded through a computed specifier so the project's typecheck does not need them
 * (bench/peers has its own tsconfig).
 */
async function loadPeer<T>(file: string): Promise<T> {
  // A plain string, so the bundler leaves it to Node: run.ts bundles each adapter as its own entry.
  const specifier = `./peers/${file}.js`;
  return (await import(specifier)) as T;
}

type PeerFactory = (options: BenchSystemOptions & { best: boolean }) => BenchSystem;

/** Imports only the system under test, so its process carries no other system's code in its RSS. */
async function createSystem(name: SystemName, request: ChildRequest): Promise<BenchSystem> {
  const options = { databaseUrl: request.databaseUrl, claimSize: request.workload.claimSize };
  switch (name) {
    case 'ceiling':
    case 'ceiling-history': {
      const { createCeiling } = await import('./systems/ceiling.js');
      return createCeiling({ ...options, history: name === 'ceiling-history' });
    }
    case 'ours': {
      const { createOurs } = await import('./systems/ours.js');
      return createOurs({
        ...options,
        ...(request.scenario === 'drain-keys' ? { flow: 'keys' as const } : {}),
        ...(request.scenario === 'drain-rate' ? { flow: 'rate' as const } : {}),
      });
    }
    case 'graphile-worker':
    case 'graphile-worker-defaults': {
      const { createGraphileWorker } = await loadPeer<{ createGraphileWorker: PeerFactory }>(
        'graphile-worker',
      );
      return createGraphileWorker({ ...options, best: name === 'graphile-worker' });
    }
    case 'pg-boss':
    case 'pg-boss-defaults': {
      const { createPgBoss } = await loadPeer<{ createPgBoss: PeerFactory }>('pg-boss');
      return createPgBoss({ ...options, best: name === 'pg-boss' });
    }
    case 'bullmq':
    case 'bullmq-defaults': {
      const { createBullMq } = await loadPeer<{ createBullMq: PeerFactory }>('bullmq');
      return createBullMq({ ...options, best: name === 'bullmq' });
    }
  }
}

/** Scenarios that drive the system their own way rather than through BenchSystem. */
async function measureStandalone(request: ChildRequest): Promise<ScenarioResult | undefined> {
  const { system: name, scenario } = request;
  let measure: (() => Promise<Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>>) | undefined;
  if (scenario === 'http-enqueue') {
    const { measureHttpEnqueue } = await import('./systems/ours-http.js');
    measure = () => measureHttpEnqueue(request);
  } else if (scenario === 'single-insert') {
    const { measureSingleInsert } = await import('./systems/single-insert.js');
    measure = () => measureSingleInsert(request);
  } else if (scenario === 'remote-workers') {
    const { measureRemoteWorkers } = await import('./systems/ours-remote-workers.js');
    measure = () => measureRemoteWorkers(request);
  } else if (scenario === 'soak') {
    const { measureSoak } = await import('./systems/ours-soak.js');
    measure = () => measureSoak(request, request.soakMs ?? 120_000);
  } else if (scenario === 'at-scale') {
    const { measureScale } = await import('./systems/ours-scale.js');
    measure = () => measureScale(request);
  } else if (scenario.startsWith('instances-')) {
    const { measureInstances } = await import('./systems/ours-instances.js');
    measure = () => measureInstances(request, Number(scenario.slice('instances-'.length)));
  }
  if (!measure) return undefined;
  return measure().then(
    (measured) => ({ system: name, scenario, ok: true, ...measured }),
    (error: unknown) => failure(request, error),
  );
}

async function measureThroughSystem(request: ChildRequest): Promise<ScenarioResult> {
  const { system: name, scenario, workload } = request;
  const system = await createSystem(name, request);
  try {
    const measured =
      scenario === 'enqueue'
        ? await measureEnqueue(system, workload)
        : scenario === 'drain-c10'
          ? await measureDrain(system, workload, 10)
          : scenario === 'drain-c50'
            ? await measureDrain(system, workload, 50)
            : scenario === 'drain-keys' || scenario === 'drain-rate'
              ? await measureDrain(system, workload, 10)
              : scenario === 'latency'
                ? await measureLatency(system, workload)
                : await measureBacklogRss(system, workload);
    const concurrency = scenario === 'drain-c50' ? 50 : 10;
    return {
      system: name,
      scenario,
      ok: true,
      ...measured,
      extra: { ...measured.extra, settings: system.settings(concurrency) },
    };
  } catch (error) {
    return failure(request, error);
  } finally {
    await system.close().catch((error: unknown) => console.error(`${name}: close failed`, error));
  }
}

async function main(): Promise<void> {
  const parsed = JSON.parse(process.argv[2] ?? '') as ChildRequest | InstanceRequest | RemoteWorkersRequest;
  if ('remoteWorkers' in parsed) {
    const { runRemoteWorkers } = await import('./systems/ours-remote-workers.js');
    await runRemoteWorkers(parsed);
    process.exit(0);
  }
  if ('instance' in parsed) {
    const { runInstance } = await import('./systems/ours-instances.js');
    await runInstance(parsed);
    process.exit(0);
  }
  const request = parsed;
  const load1 = Math.round(os.loadavg()[0]! * 100) / 100;
  const result = (await measureStandalone(request)) ?? (await measureThroughSystem(request));
  writeFileSync(request.outFile, JSON.stringify({ ...result, node: process.version, load1 }, null, 2));
  // Libraries may leave timers behind (pollers, maintenance); the result is written, so leave.
  process.exit(result.ok ? 0 : 1);
}

function failure(request: ChildRequest, error: unknown): ScenarioResult {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`${request.system} ${request.scenario} FAILED: ${message}`);
  return {
    system: request.system,
    scenario: request.scenario,
    ok: false,
    error: error instanceof Error ? error.message : String(error),
    rss: { baselineMb: 0, peakMb: 0, endMb: 0, samples: 0 },
  };
}

await main();
