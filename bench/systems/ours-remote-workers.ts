import type { ChildProcess } from 'node:child_process';
import { runWorker } from '../../src/client/run-worker.js';
import { parseConfig } from '../../src/config/load-config.js';
import { pollUntil, RssSampler, round } from '../measure.js';
import type { ChildRequest, ScenarioResult } from '../workload.js';
import { readyLine, startChild, startServedEngine, stopChild } from './bench-children.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

const REMOTE_TYPE = 'RemoteNoop';
const REMOTE_QUEUE = 'remote';

/** What the worker process started by measureRemoteWorkers is asked to run. */
export interface RemoteWorkersRequest {
  remoteWorkers: true;
  baseUrl: string;
  workers: number;
  concurrencyEach: number;
}

/**
 * Claim → complete round trips over HTTP (issue 13): our HTTP app and engine in this process,
 * with an external type no node runs, and `workers` runWorker instances of pgtask/client in a
 * process of their own, each with `concurrencyEach` slots. The tasks are stored first; the rate
 * is read from the history, from the first `running` event to the last `succeeded` one, and
 * every task must have run once and have its result stored.
 */
export async function measureRemoteWorkers(request: ChildRequest): Promise<Measured> {
  const { workload } = request;
  const total = workload.tasks;
  const config = parseConfig({
    queue: { workerPoolSize: 10 },
    tasks: { external: [{ type: REMOTE_TYPE, queue: REMOTE_QUEUE }] },
    log: { level: 'warn' },
  });
  const served = await startServedEngine({
    databaseUrl: request.databaseUrl,
    config,
    nodeId: `bench-remote-${process.pid}`,
    processTasks: true,
  });
  const { pool, engine } = served;
  let workers: ChildProcess | undefined;
  try {
    for (let from = 0; from < total; from += workload.batchSize) {
      const items = Array.from({ length: Math.min(workload.batchSize, total - from) }, (_, offset) => ({
        type: REMOTE_TYPE,
        payload: { i: from + offset },
      }));
      await engine.enqueueBatch(items);
    }
    const rss = new RssSampler();
    rss.start(200);
    const remote: RemoteWorkersRequest = {
      remoteWorkers: true,
      baseUrl: `http://127.0.0.1:${served.port}`,
      workers: workload.remoteWorkers,
      concurrencyEach: workload.remoteConcurrencyEach,
    };
    workers = startChild(remote);
    await readyLine(workers);
    const finished = await pollUntil(
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          `select count(*)::int as n from tasks where status = 'succeeded'`,
        );
        return rows[0]!.n >= total;
      },
      { timeoutMs: workload.drainTimeBoxSeconds * 1000, intervalMs: 50 },
    );
    await stopChild(workers);
    const rssSummary = rss.stop();

    const { rows } = await pool.query<{
      first_start: Date;
      last_success: Date;
      running: number;
      succeeded: number;
      succeeded_tasks: number;
      with_result: number;
      started_twice: number;
    }>(
      `select min(e.at) filter (where e.to_status = 'running') as first_start,
              max(e.at) filter (where e.to_status = 'succeeded') as last_success,
              count(*) filter (where e.to_status = 'running')::int as running,
              count(*) filter (where e.to_status = 'succeeded')::int as succeeded,
              (select count(*)::int from tasks where status = 'succeeded') as succeeded_tasks,
              (select count(*)::int from tasks where status = 'succeeded' and result ? 'i') as with_result,
              (select count(*)::int from (select task_id from task_events where to_status = 'running'
                 group by task_id having count(*) > 1) twice) as started_twice
         from task_events e`,
    );
    const history = rows[0]!;
    const done = history.succeeded_tasks;
    // Time-boxed or not, every success is recorded once with its result, and no task ran twice.
    if (history.succeeded !== done || history.with_result !== done || history.started_twice > 0) {
      throw new Error(
        `remote-workers: ${history.succeeded} succeeded events for ${done} succeeded tasks, ${history.with_result} results, ${history.started_twice} tasks started twice`,
      );
    }
    if (finished && done !== total) throw new Error(`remote-workers: ${done} of ${total} tasks succeeded`);
    if (done === 0) throw new Error('remote-workers: no task succeeded');
    const elapsedMs = history.last_success.getTime() - history.first_start.getTime();
    return {
      perSecond: Math.round((done / elapsedMs) * 1000),
      elapsedMs,
      tasks: total,
      ...(finished ? {} : { timeBoxed: true, completed: done }),
      rss: rssSummary,
      storedPerTask: { taskRows: 1, historyRows: round((history.running + history.succeeded) / done, 2) },
      extra: {
        workers: workload.remoteWorkers,
        concurrencyEach: workload.remoteConcurrencyEach,
        client: 'runWorker (pgtask/client) in a separate process, keep-alive fetch',
        timing: 'first running event to last succeeded event, read from task_events',
        rssNote: 'the server process; the workers run in their own',
      },
    };
  } finally {
    if (workers && workers.exitCode === null) workers.kill('SIGKILL');
    await served.close();
  }
}

/** The worker side: `workers` runWorker loops returning `{ i }` at once, until SIGTERM. */
export async function runRemoteWorkers(request: RemoteWorkersRequest): Promise<void> {
  const running = Array.from({ length: request.workers }, (_, index) =>
    runWorker({
      baseUrl: request.baseUrl,
      types: [REMOTE_TYPE],
      name: `bench-worker-${index + 1}`,
      concurrency: request.concurrencyEach,
      claimWaitMs: 1_000,
      handler: async (task) => ({ i: (task.payload as { i: number }).i }),
    }),
  );
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await Promise.all(running.map((worker) => worker.stop()));
}
