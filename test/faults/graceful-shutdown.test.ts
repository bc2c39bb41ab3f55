import { describe, expect, it } from 'vitest';
import { historyOf, statusCounts, tasksById, waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { faultSuite, untilNodeHolds } from './support/suite.js';

const SHORT_MS = 3_000;
const LONG_MS = 10_000;
const SHUTDOWN_MS = 5_000;
const WAITING = 10;

describe('graceful SIGTERM with long tasks running', () => {
  const suite = faultSuite({ logLinesOnFailure: 40 });

  it('records finished work, releases the rest, and another instance completes it', async () => {
    const config = { queue: { workerPoolSize: 4 }, shutdown: { timeout: SHUTDOWN_MS } };
    // B is up before A is handed the work: were A signalled only once B had started, the short
    // tasks could end first on a slow machine and A would start waiting ones. A claims the whole
    // batch as it inserts it, so B, though running, gets none of it before the SIGTERM.
    const [stopping, takeover] = await Promise.all([
      suite.start({ name: 'A', config }),
      suite.start({ name: 'B', config }),
    ]);
    // Two tasks that finish inside the shutdown grace period, two that cannot, ten waiting in A's buffer.
    const answer = await stopping.enqueue([
      ...[SHORT_MS, SHORT_MS, LONG_MS, LONG_MS].map((duration) => ({
        taskType: 'Sleep',
        payload: { duration },
        priority: 10,
      })),
      ...Array.from({ length: WAITING }, () => ({ taskType: 'Sleep', payload: { duration: 100 } })),
    ]);
    const ids = answer.tasks.map((task) => task.id);
    const [short1, short2, long1, long2] = ids;
    const waiting = ids.slice(4);
    await untilNodeHolds(suite.db.pool, stopping, {
      running: 4,
      held: ids.length,
      timeoutMs: 30_000,
      everyMs: 50,
    });

    const termAt = Date.now();
    stopping.signal('SIGTERM');
    const exit = await stopping.exited;
    const exitMs = Date.now() - termAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(SHUTDOWN_MS + 5_000);

    // Nothing is left locked by the stopped node, and it is marked stopped.
    const { rows: locked } = await suite.db.pool.query(`select id, status from tasks where locked_by = $1`, [
      stopping.nodeId,
    ]);
    expect(locked).toEqual([]);
    const { rows: node } = await suite.db.pool.query(`select stopped_at from nodes where id = $1`, [
      stopping.nodeId,
    ]);
    expect(node[0].stopped_at).not.toBeNull();
    const atExit = await tasksById(suite.db.pool, ids);
    for (const id of [short1!, short2!])
      expect(atExit.get(id)).toMatchObject({ status: 'succeeded', attempts: 1 });

    await waitForFinished(suite.db.pool, { count: ids.length, timeoutMs: LONG_MS + 20_000 });
    expect(await statusCounts(suite.db.pool)).toEqual({ succeeded: ids.length });
    const history = await historyOf(suite.db.pool, ids);
    const nodeName = (nodeId: string | null) =>
      nodeId === stopping.nodeId ? 'A' : nodeId === takeover.nodeId ? 'B' : nodeId;
    for (const id of [short1!, short2!]) {
      expect(history.get(id)!.map((event) => [event.to_status, nodeName(event.node_id)])).toEqual([
        ['queued', null],
        ['running', 'A'],
        ['succeeded', 'A'],
      ]);
    }
    // Cut off by the shutdown: given back without spending an attempt, then run to the end on B.
    for (const id of [long1!, long2!]) {
      const events = history
        .get(id)!
        .map((event) => [event.to_status, event.attempt, nodeName(event.node_id)]);
      expect(events).toEqual([
        ['queued', 0, null],
        ['running', 1, 'A'],
        ['queued', 1, 'A'],
        ['running', 1, 'B'],
        ['succeeded', 1, 'B'],
      ]);
    }
    const final = await tasksById(suite.db.pool, ids);
    for (const id of [long1!, long2!])
      expect(final.get(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    for (const id of waiting) {
      expect(history.get(id)!.map((event) => [event.to_status, nodeName(event.node_id)])).toEqual([
        ['queued', null],
        ['running', 'B'],
        ['succeeded', 'B'],
      ]);
    }
    const { rows: firstOnB } = await suite.db.pool.query<{ ms: number }>(
      `select extract(epoch from min(at) - to_timestamp($2::float8 / 1000)) * 1000 as ms
       from task_events where task_id = any($1::uuid[]) and to_status = 'running' and node_id = $3`,
      [waiting, termAt, takeover.nodeId],
    );
    const stopped = stopping.logged('engine stopped')[0];
    recordResult('graceful-shutdown', {
      scenario: `SIGTERM with long tasks running (shutdown.timeout ${SHUTDOWN_MS / 1000} s)`,
      result: `exit 0 after ${exitMs} ms; 2 tasks that finished in the grace period recorded by A; 2 cut off released without spending an attempt, ${WAITING} unstarted claims released; no row left locked; B completed all 12`,
      figures: {
        exitMs,
        releasedClaims: Number(stopped?.released ?? -1),
        firstWaitingStartOnBMs: Math.round(firstOnB[0]!.ms),
      },
    });
  });
});
