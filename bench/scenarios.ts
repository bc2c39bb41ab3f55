import { performance } from 'node:perf_hooks';
import type { BenchSystem } from './bench-system.js';
import { percentile, pollUntil, RssSampler, round, StartTracker, sleep, steadyRate } from './measure.js';
import type { ScenarioResult, StoredPerTask, Workload } from './workload.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

function batches(count: number, size: number): number[][] {
  const result: number[][] = [];
  for (let start = 0; start < count; start += size) {
    result.push(Array.from({ length: Math.min(size, count - start) }, (_, offset) => start + offset));
  }
  return result;
}

async function storedPerTask(system: BenchSystem, tasks: number): Promise<StoredPerTask> {
  const rows = await system.countRows();
  return { taskRows: round(rows.taskRows / tasks, 2), historyRows: round(rows.historyRows / tasks, 2) };
}

/** N tasks in batches of 1,000, one call each, back to back; then every row is counted. */
export async function measureEnqueue(system: BenchSystem, workload: Workload): Promise<Measured> {
  await system.prepare();
  const rss = new RssSampler();
  rss.start();
  const startedAt = performance.now();
  for (const batch of batches(workload.tasks, workload.batchSize)) await system.enqueue(batch);
  const elapsedMs = performance.now() - startedAt;
  const rssSummary = rss.stop();
  const rows = await system.countRows();
  if (rows.taskRows !== workload.tasks) {
    throw new Error(`enqueue: ${rows.taskRows} rows stored for ${workload.tasks} tasks`);
  }
  return {
    perSecond: Math.round((workload.tasks / elapsedMs) * 1000),
    elapsedMs: Math.round(elapsedMs),
    tasks: workload.tasks,
    rss: rssSummary,
    storedPerTask: await storedPerTask(system, workload.tasks),
  };
}

/**
 * Drains a pre-filled table at concurrency c. The clock runs from the first handler start (so
 * each system's start-up is left out alike) to the poll that sees the last success recorded in
 * PostgreSQL. Then every task must have started exactly once and have its success (and history)
 * stored. A drain still running after the time box is stopped, and its rate is taken over the
 * tasks that finished; nothing may be lost or run twice either way.
 */
export async function measureDrain(
  system: BenchSystem,
  workload: Workload,
  concurrency: number,
): Promise<Measured> {
  const total = workload.tasks;
  await system.prepare();
  for (const batch of batches(total, workload.batchSize)) await system.enqueue(batch);
  const stored = await system.countRows();
  if (stored.taskRows !== total) throw new Error(`drain: ${stored.taskRows} rows stored for ${total} tasks`);

  const starts = new StartTracker();
  const rss = new RssSampler();
  rss.start();
  const launchedAt = performance.now();
  await system.startWorkers({ concurrency, onStart: starts.record });
  let succeeded = 0;
  const finished = await pollUntil(
    async () => {
      succeeded = await system.countSucceeded();
      return succeeded >= total;
    },
    { timeoutMs: workload.drainTimeBoxSeconds * 1000 },
  );
  const endedAt = performance.now();
  await system.stopWorkers();
  const rssSummary = rss.stop();

  const firstStart = starts.firstAt;
  if (firstStart === undefined) throw new Error('drain: no task started');
  const elapsedMs = endedAt - firstStart;
  const after = await system.countSucceeded();
  if (starts.duplicates > 0) throw new Error(`drain: ${starts.duplicates} tasks started twice`);
  if (finished) {
    starts.assertExactlyOnce(total, 'drain');
    if (after !== total) throw new Error(`drain: ${after} of ${total} tasks recorded as succeeded`);
  } else if (after !== starts.count) {
    throw new Error(`drain (time-boxed): ${starts.count} tasks started but ${after} recorded as succeeded`);
  }
  await system.verifyHistory?.(after);
  const rows = await system.countRows();
  if (!finished && rows.taskRows < total - after) {
    throw new Error(`drain (time-boxed): ${rows.taskRows} rows left for ${total - after} unfinished tasks`);
  }
  return {
    perSecond: Math.round((succeeded / elapsedMs) * 1000),
    elapsedMs: Math.round(elapsedMs),
    tasks: total,
    ...(finished ? {} : { timeBoxed: true, completed: succeeded }),
    rss: rssSummary,
    storedPerTask: await storedPerTask(system, total),
    extra: { startupMs: Math.round(firstStart - launchedAt) },
  };
}

/**
 * Enqueue-to-start latency: one task per call at a steady rate (open loop) while the workers
 * run. The call's start and the handler's start are read from the same clock in one process. A
 * short warm-up (first connections, JIT) is run and checked but left out of the percentiles.
 */
export async function measureLatency(system: BenchSystem, workload: Workload): Promise<Measured> {
  const warmUp = 20;
  const measured = workload.latencyRate * workload.latencySeconds;
  const total = warmUp + measured;
  await system.prepare();
  const starts = new StartTracker();
  await system.startWorkers({ concurrency: workload.latencyConcurrency, onStart: starts.record });
  await sleep(500);

  const sentAt = new Float64Array(total);
  const rss = new RssSampler();
  rss.start();
  await steadyRate({
    rate: workload.latencyRate,
    count: total,
    send: (index) => {
      sentAt[index] = performance.now();
      return system.enqueue([index]);
    },
  });
  const sendingEndedAt = performance.now();
  // A system that cannot start 200 tasks/s falls further behind every second; its latency is
  // then a queue length, not a property of the system, so it is reported as the rate it managed.
  const allStarted = await pollUntil(async () => starts.count >= total, { timeoutMs: 15_000 });
  const startedByDeadline = starts.count;
  const allSucceeded =
    allStarted &&
    (await pollUntil(async () => (await system.countSucceeded()) >= total, {
      timeoutMs: 15_000,
      intervalMs: 50,
    }));
  await system.stopWorkers();
  const rssSummary = rss.stop();
  const succeeded = await system.countSucceeded();
  if (starts.duplicates > 0) throw new Error(`latency: ${starts.duplicates} tasks started twice`);
  if (!allStarted) {
    if (succeeded !== starts.count) {
      throw new Error(`latency: ${starts.count} tasks started but ${succeeded} recorded as succeeded`);
    }
    const seconds = (performance.now() - (starts.firstAt ?? sendingEndedAt)) / 1000;
    return {
      tasks: total,
      completed: startedByDeadline,
      rss: rssSummary,
      extra: {
        fellBehind: true,
        startedPerSecond: Math.round(startedByDeadline / seconds),
        note: `started ${startedByDeadline} of ${total} tasks sent at ${workload.latencyRate}/s within 15 s after the last send`,
      },
    };
  }
  if (!allSucceeded) throw new Error(`latency: ${succeeded} of ${total} tasks recorded as succeeded`);
  starts.assertExactlyOnce(total, 'latency');
  await system.verifyHistory?.(total);

  const latencies: number[] = [];
  for (let index = warmUp; index < total; index += 1)
    latencies.push(starts.startedAt(index)! - sentAt[index]!);
  latencies.sort((a, b) => a - b);
  return {
    tasks: total,
    latency: {
      p50Ms: round(percentile(latencies, 50), 2),
      p90Ms: round(percentile(latencies, 90), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      maxMs: round(latencies[latencies.length - 1]!, 2),
      samples: latencies.length,
    },
    rss: rssSummary,
  };
}

/**
 * RSS with a large backlog: the rows go straight into the table, then the engine runs for a few
 * seconds (claiming into its buffer and working through it) while its RSS is sampled. Memory
 * should be bounded by the buffer, not by the rows waiting.
 */
export async function measureBacklogRss(system: BenchSystem, workload: Workload): Promise<Measured> {
  if (!system.fillBacklog) throw new Error('rss-backlog: this system has no backlog filler');
  await system.prepare();
  const filledAt = performance.now();
  await system.fillBacklog(workload.backlogRows);
  const fillMs = performance.now() - filledAt;
  const starts = new StartTracker();
  const rss = new RssSampler();
  rss.start(100);
  await system.startWorkers({ concurrency: 10, onStart: starts.record });
  const midSamples: number[] = [];
  for (let second = 0; second < workload.backlogSeconds; second += 1) {
    await sleep(1000);
    midSamples.push(round(rss.sample() / 1024 / 1024));
  }
  await system.stopWorkers();
  const rssSummary = rss.stop();
  const succeeded = await system.countSucceeded();
  if (starts.duplicates > 0) throw new Error(`rss-backlog: ${starts.duplicates} tasks started twice`);
  // An engine that claimed nothing held no buffer: its RSS would say nothing about the backlog.
  if (starts.count === 0) {
    throw new Error(
      `rss-backlog: no task started in ${workload.backlogSeconds} s with ${workload.backlogRows} waiting`,
    );
  }
  if (succeeded !== starts.count) {
    throw new Error(`rss-backlog: ${starts.count} tasks started but ${succeeded} recorded as succeeded`);
  }
  const rows = await system.countRows();
  if (rows.taskRows !== workload.backlogRows) {
    throw new Error(`rss-backlog: ${rows.taskRows} rows left of ${workload.backlogRows}`);
  }
  await system.verifyHistory?.(succeeded);
  return {
    tasks: workload.backlogRows,
    completed: succeeded,
    rss: rssSummary,
    extra: { backlogRows: workload.backlogRows, fillMs: Math.round(fillMs), rssEachSecondMb: midSamples },
  };
}
