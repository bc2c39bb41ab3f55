import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { historyOf, startsPerTask, statusCounts, waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { delay, ServiceProcess, startInstances, waitFor } from './support/service.js';

const TASKS = 40;
const TASK_MS = 4_000;

/** The default lease, and a short one for deployments that want faster recovery. */
const LEASES = [
  {
    label: 'default lease (timeout 5 s, heartbeat 1 s)',
    id: 'default',
    timeoutMs: 5_000,
    heartbeatMs: 1_000,
  },
  { label: 'short lease (timeout 2 s, heartbeat 500 ms)', id: 'short', timeoutMs: 2_000, heartbeatMs: 500 },
];

describe('kill -9 of an instance mid-run', () => {
  let db: TestDatabase | undefined;
  let instances: ServiceProcess[] = [];

  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.destroy()));
    instances = [];
    await db?.drop();
    db = undefined;
  });

  it.for(LEASES)(
    'with the $label: the survivors rescue its running and claimed tasks within the lease, none is lost, none runs more than twice',
    async (lease, context) => {
      context.onTestFailed(() => {
        for (const instance of instances) console.log(instance.tail());
      });
      db = await createTestDatabase();
      const config = { lease: { timeout: lease.timeoutMs, heartbeatInterval: lease.heartbeatMs } };
      // A starts alone and claims the whole batch (its buffer has room for all), so at the kill it
      // holds both running tasks and claimed ones that have not started.
      const victim = await ServiceProcess.start({ name: 'A', databaseUrl: db.url, config });
      instances.push(victim);
      const answer = await victim.enqueue(
        Array.from({ length: TASKS }, (_, index) => ({
          taskType: 'Sleep',
          payload: { duration: TASK_MS },
          key: `k${index}`,
        })),
      );
      const ids = answer.tasks.map((task) => task.id);
      await waitFor(
        'A to run 10 tasks and hold the rest',
        async () => {
          const { rows } = await db!.pool.query(
            `select count(*) filter (where status = 'running')::int as running, count(*)::int as held
             from tasks where locked_by = $1`,
            [victim.nodeId],
          );
          return rows[0].running === 10 && rows[0].held === TASKS;
        },
        { timeoutMs: 20_000 },
      );
      const survivors = await startInstances(['B', 'C'], { databaseUrl: db.url, config });
      instances.push(...survivors);
      // The survivors have beaten their heart for a whole lease before the kill: a node only rescues
      // others once its own heartbeats have held for that long.
      await delay(lease.timeoutMs + lease.heartbeatMs);

      const killedAt = Date.now();
      victim.signal('SIGKILL');
      await victim.exited;
      const { rows: held } = await db.pool.query<{ id: string; status: string }>(
        `select id, status from tasks where locked_by = $1`,
        [victim.nodeId],
      );
      const running = held.filter((row) => row.status === 'running').map((row) => row.id);
      const claimed = held.filter((row) => row.status !== 'running').map((row) => row.id);
      expect(running.length, 'tasks running on A at the kill').toBeGreaterThan(0);
      expect(claimed.length, 'tasks claimed by A but not started at the kill').toBeGreaterThan(0);
      const finishedBeforeKill = TASKS - held.length;

      await waitForFinished(db.pool, { count: TASKS, timeoutMs: 60_000 });
      expect(await statusCounts(db.pool)).toEqual({ succeeded: TASKS });

      const starts = await startsPerTask(db.pool);
      const heldIds = new Set(held.map((row) => row.id));
      for (const id of ids) {
        const start = starts.get(id);
        expect(start, `task ${id} started`).toBeDefined();
        expect(start!.count, `starts of task ${id}`).toBeLessThanOrEqual(heldIds.has(id) ? 2 : 1);
      }
      // Each task A was running counts one lost attempt ("worker lost") and one run elsewhere.
      const history = await historyOf(db.pool, running);
      for (const id of running) {
        const events = history.get(id)!;
        expect(starts.get(id)!.count, `starts of running task ${id}`).toBe(2);
        const lost = events.find((event) => event.to_status === 'retrying');
        expect(lost?.error, `history of ${id}`).toMatch(/worker lost/);
        expect(lost?.node_id).toBe(victim.nodeId);
        const last = events[events.length - 1]!;
        expect(last).toMatchObject({ to_status: 'succeeded', attempt: 2 });
        expect(survivors.map((survivor) => survivor.nodeId)).toContain(last.node_id);
      }

      // Recovery: from the kill to the first start of one of A's tasks on a survivor.
      const { rows: restarts } = await db.pool.query<{
        first_ms: number;
        last_ms: number;
        rescued_ms: number;
      }>(
        `select extract(epoch from min(e.at) - to_timestamp($2::float8 / 1000)) * 1000 as first_ms,
                extract(epoch from max(e.at) - to_timestamp($2::float8 / 1000)) * 1000 as last_ms,
                (select extract(epoch from min(r.at) - to_timestamp($2::float8 / 1000)) * 1000
                 from task_events r where r.task_id = any($1::uuid[]) and r.to_status = 'retrying') as rescued_ms
         from task_events e
         where e.task_id = any($1::uuid[]) and e.to_status = 'running' and e.node_id <> $3 and e.at >= to_timestamp($2::float8 / 1000)`,
        [[...heldIds], killedAt, victim.nodeId],
      );
      const firstRestartMs = Math.round(restarts[0]!.first_ms);
      const rescuedMs = Math.round(restarts[0]!.rescued_ms);
      const lastRestartMs = Math.round(restarts[0]!.last_ms);
      // A node's last heartbeat is up to one interval old at the kill, and a survivor notices the
      // stale lease on its next beat: recovery lands between timeout - heartbeat and timeout + heartbeat.
      expect(firstRestartMs).toBeLessThanOrEqual(lease.timeoutMs + lease.heartbeatMs + 1_000);
      const rescuers = survivors.filter(
        (survivor) => survivor.logged('rescued the tasks of nodes whose heartbeat went stale').length > 0,
      );
      expect(rescuers.length, 'survivors that logged a rescue').toBeGreaterThan(0);

      recordResult(`crash-${lease.id}`, {
        scenario: `kill -9 mid-run, ${lease.label}`,
        result: `${running.length} running + ${claimed.length} claimed tasks rescued, ${TASKS}/${TASKS} succeeded, running ones started twice, others once; first re-start ${firstRestartMs} ms after the kill`,
        figures: {
          leaseTimeoutMs: lease.timeoutMs,
          heartbeatMs: lease.heartbeatMs,
          runningAtKill: running.length,
          claimedAtKill: claimed.length,
          finishedBeforeKill,
          rescueWrittenMs: rescuedMs,
          firstRestartMs,
          lastRestartMs,
        },
      });
    },
  );
});
