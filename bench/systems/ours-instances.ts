import type { ChildProcess } from 'node:child_process';
import { ENQUEUE_CHANNEL } from '../../src/db/channels.js';
import { createPool } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrate.js';
import { benchLog } from '../bench-log.js';
import { pollUntil, RssSampler, round } from '../measure.js';
import type { ChildRequest, ScenarioResult } from '../workload.js';
import { readyLine, startChild, stopChild } from './bench-children.js';
import { benchConfig, insertWaitingTasks, startWorkingEngine } from './ours.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

/** What a child started by measureInstances is asked to be: one node of ours, until SIGTERM. */
export interface InstanceRequest {
  instance: true;
  databaseUrl: string;
  concurrency: number;
  nodeId: string;
}

/**
 * `count` instances of ours, each its own process (the same bundle, started as an instance), on
 * one PostgreSQL. They start on an empty table and say when they are ready; then the tasks are
 * committed in one statement and a NOTIFY wakes them, so no instance gets a head start. The rate
 * is read from the history itself: from the first `running` event to the last `succeeded` one,
 * whoever wrote them. Every task must have run exactly once (one `running` and one `succeeded`
 * event each) and the share of each instance is reported.
 */
export async function measureInstances(request: ChildRequest, count: number): Promise<Measured> {
  const { workload } = request;
  const total = workload.instanceTasks;
  const pool = createPool({ url: request.databaseUrl, config: benchConfig(2), log: benchLog });
  const children: ChildProcess[] = [];
  try {
    await runMigrations(pool);
    const rss = new RssSampler();
    rss.start(200);
    for (let index = 0; index < count; index += 1) {
      const instance: InstanceRequest = {
        instance: true,
        databaseUrl: request.databaseUrl,
        concurrency: workload.instanceConcurrency,
        nodeId: `bench-instance-${index + 1}`,
      };
      children.push(startChild(instance));
    }
    await Promise.all(children.map(readyLine));
    await insertWaitingTasks(request.databaseUrl, total);
    await pool.query('select pg_notify($1, $2)', [ENQUEUE_CHANNEL, 'default']);
    const finished = await pollUntil(
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          `select count(*)::int as n from tasks where status = 'succeeded'`,
        );
        return rows[0]!.n >= total;
      },
      { timeoutMs: workload.drainTimeBoxSeconds * 2000, intervalMs: 50 },
    );
    await Promise.all(children.map(stopChild));
    const rssSummary = rss.stop();
    if (!finished)
      throw new Error(`instances-${count}: not drained within ${workload.drainTimeBoxSeconds * 2} s`);

    const { rows } = await pool.query<{
      first_start: Date;
      last_success: Date;
      running: number;
      succeeded: number;
      tasks: number;
    }>(
      `select min(at) filter (where to_status = 'running') as first_start,
              max(at) filter (where to_status = 'succeeded') as last_success,
              count(*) filter (where to_status = 'running')::int as running,
              count(*) filter (where to_status = 'succeeded')::int as succeeded,
              count(distinct task_id) filter (where to_status = 'succeeded')::int as tasks
         from task_events`,
    );
    const history = rows[0]!;
    if (history.running !== total || history.succeeded !== total || history.tasks !== total) {
      throw new Error(
        `instances-${count}: ${history.running} running and ${history.succeeded} succeeded events for ${total} tasks`,
      );
    }
    const shares = await pool.query<{ node_id: string; n: number }>(
      `select node_id, count(*)::int as n from task_events where to_status = 'succeeded'
        group by node_id order by node_id`,
    );
    const elapsedMs = history.last_success.getTime() - history.first_start.getTime();
    return {
      perSecond: Math.round((total / elapsedMs) * 1000),
      elapsedMs,
      tasks: total,
      rss: rssSummary,
      storedPerTask: { taskRows: 1, historyRows: round((history.running + history.succeeded) / total, 2) },
      extra: {
        instances: count,
        concurrencyEach: workload.instanceConcurrency,
        tasksPerInstance: Object.fromEntries(shares.rows.map((row) => [row.node_id, row.n])),
        timing: 'first running event to last succeeded event, read from task_events',
      },
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await pool.end();
  }
}

/** The instance side: a working node until SIGTERM, then a graceful stop. */
export async function runInstance(instance: InstanceRequest): Promise<void> {
  const { engine, pool } = await startWorkingEngine({
    url: instance.databaseUrl,
    concurrency: instance.concurrency,
    onStart: () => {},
    nodeId: instance.nodeId,
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await engine.stop();
  await pool.end();
}
