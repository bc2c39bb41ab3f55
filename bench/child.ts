/**
 * One system, one scenario, one process: `node .data/bench/child.js '<json ChildRequest>'` (run.ts
 * bundles this file first; `node --import tsx bench/child.ts …` works too, with more RSS).
 * Writes its ScenarioResult as JSON to the request's outFile; the exit code says whether every
 * check passed. Running each in its own process keeps RSS per system and state from leaking
 * between systems.
 */
import { writeFileSync } from 'node:fs';
import type { BenchSystem } from './bench-system.js';
import { measureBacklogRss, measureDrain, measureEnqueue, measureLatency } from './scenarios.js';
import type { ChildRequest, ScenarioResult, SystemName } from './workload.js';

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
      return createOurs(options);
    }
    case 'graphile-worker':
    case 'graphile-worker-defaults': {
      const { createGraphileWorker } = await import('./systems/graphile-worker.js');
      return createGraphileWorker({ ...options, best: name === 'graphile-worker' });
    }
    case 'pg-boss':
    case 'pg-boss-defaults': {
      const { createPgBoss } = await import('./systems/pg-boss.js');
      return createPgBoss({ ...options, best: name === 'pg-boss' });
    }
  }
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as ChildRequest;
  const { system: name, scenario, workload } = request;
  let result: ScenarioResult;
  if (scenario === 'http-enqueue') {
    const { measureHttpEnqueue } = await import('./systems/ours-http.js');
    result = await measureHttpEnqueue(request).then(
      (measured) => ({ system: name, scenario, ok: true, ...measured }),
      (error: unknown) => failure(request, error),
    );
  } else {
    const system = await createSystem(name, request);
    try {
      const measured =
        scenario === 'enqueue'
          ? await measureEnqueue(system, workload)
          : scenario === 'drain-c10'
            ? await measureDrain(system, workload, 10)
            : scenario === 'drain-c50'
              ? await measureDrain(system, workload, 50)
              : scenario === 'latency'
                ? await measureLatency(system, workload)
                : await measureBacklogRss(system, workload);
      const concurrency = scenario === 'drain-c50' ? 50 : 10;
      result = {
        system: name,
        scenario,
        ok: true,
        ...measured,
        extra: { ...measured.extra, settings: system.settings(concurrency) },
      };
    } catch (error) {
      result = failure(request, error);
    } finally {
      await system.close().catch((error: unknown) => console.error(`${name}: close failed`, error));
    }
  }
  writeFileSync(request.outFile, JSON.stringify(result, null, 2));
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
