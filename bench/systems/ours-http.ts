import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { RssSampler, round, sleep } from '../measure.js';
import type { ChildRequest, ScenarioResult } from '../workload.js';
import { startServedEngine } from './bench-children.js';
import { benchConfig, NOOP_TYPE } from './ours.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

interface LoadFigures {
  batchSize: number;
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  tasksPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  acknowledged: number;
  rejected: number;
}

/**
 * HTTP enqueue throughput (issue 5): our real HTTP app and server in this process, with an engine
 * that stores and does not run (as the in-process enqueue figure), loaded by autocannon from its
 * own process over keep-alive with batches of 1,000 tasks and of 1. Every 202 must have stored
 * its tasks: the rows are counted against the acknowledged requests.
 */
export async function measureHttpEnqueue(request: ChildRequest): Promise<Measured> {
  const { workload } = request;
  const served = await startServedEngine({
    databaseUrl: request.databaseUrl,
    config: benchConfig(10),
    nodeId: `bench-http-${process.pid}`,
    processTasks: false,
  });
  const { pool } = served;
  try {
    const url = `http://127.0.0.1:${served.port}/tasks/enqueue`;

    const rss = new RssSampler();
    rss.start(100);
    const runs: LoadFigures[] = [];
    for (const batchSize of [workload.batchSize, 1]) {
      const before = await countTasks(pool);
      const figures = await autocannon({
        url,
        batchSize,
        connections: workload.httpConnections,
        seconds: workload.httpSeconds,
      });
      await sleep(500); // requests still in flight when autocannon stopped may yet commit
      const stored = (await countTasks(pool)) - before;
      const acknowledged = figures.acknowledged * batchSize;
      // Every acknowledged task is stored; a few more may be, from requests cut off at the end.
      if (stored < acknowledged || stored > acknowledged + workload.httpConnections * batchSize) {
        throw new Error(
          `http-enqueue: ${acknowledged} tasks acknowledged in batches of ${batchSize}, ${stored} stored`,
        );
      }
      if (figures.rejected > 0)
        throw new Error(`http-enqueue: ${figures.rejected} requests were not answered 202`);
      runs.push(figures);
    }
    const rssSummary = rss.stop();
    const [batched, single] = runs as [LoadFigures, LoadFigures];
    return {
      perSecond: batched.tasksPerSecond,
      rss: rssSummary,
      extra: { batch1000: batched, batch1: single, client: 'autocannon (separate process), keep-alive' },
    };
  } finally {
    await served.close();
  }
}

async function countTasks(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from tasks');
  return rows[0]!.n;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Runs the autocannon CLI in its own process so the load generator does not share our event loop. */
function autocannon(options: {
  url: string;
  batchSize: number;
  connections: number;
  seconds: number;
}): Promise<LoadFigures> {
  const bodyFile = join(os.tmpdir(), `bench-http-${process.pid}-${options.batchSize}.json`);
  const tasks = Array.from({ length: options.batchSize }, (_, i) => ({
    taskType: NOOP_TYPE,
    payload: { i },
  }));
  writeFileSync(bodyFile, JSON.stringify({ tasks }));
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [
    cli,
    '-c',
    String(options.connections),
    '-d',
    String(options.seconds),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-i',
    bodyFile,
    '-j',
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        const json = JSON.parse(out) as AutocannonJson;
        const seconds = json.duration;
        resolve({
          batchSize: options.batchSize,
          connections: options.connections,
          seconds: round(seconds, 2),
          requestsPerSecond: Math.round(json['2xx'] / seconds),
          tasksPerSecond: Math.round((json['2xx'] * options.batchSize) / seconds),
          latencyP50Ms: json.latency.p50,
          latencyP99Ms: json.latency.p99,
          acknowledged: json['2xx'],
          rejected: json.non2xx + json.errors + json.timeouts,
        });
      } catch {
        reject(new Error(`autocannon exited with code ${code}: ${err.slice(-500)}`));
      }
    });
  });
}
