/**
 * One system, one scenario, one process: `node --import tsx bench/child.ts '<json ChildRequest>'`.
 * Writes its ScenarioResult as JSON to the request's outFile; the exit code says whether every
 * check passed. Running each in its own process keeps RSS per system and state from leaking
 * between systems.
 */
import { writeFileSync } from 'node:fs';
import type { BenchSystem } from './bench-system.js';
import { measureBacklogRss, measureDrain, measureEnqueue, measureLatency } from './scenarios.js';
import { createCeiling } from './systems/ceiling.js';
import { createGraphileWorker } from './systems/graphile-worker.js';
import { createOurs } from './systems/ours.js';
import { measureHttpEnqueue, NotAvailableError } from './systems/ours-http.js';
import { createPgBoss } from './systems/pg-boss.js';
import type { ChildRequest, ScenarioResult, SystemName } from './workload.js';

function createSystem(name: SystemName, request: ChildRequest): BenchSystem {
  const options = { databaseUrl: request.databaseUrl, claimSize: request.workload.claimSize };
  switch (name) {
    case 'ceiling':
      return createCeiling({ ...options, history: false });
    case 'ceiling-history':
      return createCeiling({ ...options, history: true });
    case 'ours':
      return createOurs(options);
    case 'graphile-worker':
      return createGraphileWorker({ ...options, best: true });
    case 'graphile-worker-defaults':
      return createGraphileWorker({ ...options, best: false });
    case 'pg-boss':
      return createPgBoss({ ...options, best: true });
    case 'pg-boss-defaults':
      return createPgBoss({ ...options, best: false });
  }
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as ChildRequest;
  const { system: name, scenario, workload } = request;
  let result: ScenarioResult;
  if (scenario === 'http-enqueue') {
    result = await measureHttpEnqueue(request).then(
      (measured) => ({ system: name, scenario, ok: true, ...measured }),
      (error: unknown) => failure(request, error),
    );
  } else {
    const system = createSystem(name, request);
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
  if (!(error instanceof NotAvailableError)) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`${request.system} ${request.scenario} FAILED: ${message}`);
  }
  return {
    system: request.system,
    scenario: request.scenario,
    ok: false,
    ...(error instanceof NotAvailableError ? { notAvailable: true } : {}),
    error: error instanceof Error ? error.message : String(error),
    rss: { baselineMb: 0, peakMb: 0, endMb: 0, samples: 0 },
  };
}

await main();
