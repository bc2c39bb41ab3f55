import { describe, expect, it } from 'vitest';
import { historyOf, statusCounts, tasksById, waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { delay, waitFor } from './support/service.js';
import { faultSuite, untilNodeHolds } from './support/suite.js';

const RUNNING = 10;
const CLAIMED = 2;
const TASK_MS = 9_000;
const LEASE_MS = 5_000;
const HEARTBEAT_MS = 1_000;

describe('an instance paused past its lease (SIGSTOP, then SIGCONT)', () => {
  const suite = faultSuite();

  it('loses its tasks to another instance, and its late outcomes change nothing', async () => {
    const paused = await suite.start({ name: 'A' });
    const answer = await paused.enqueue(
      Array.from({ length: RUNNING + CLAIMED }, () => ({
        taskType: 'Sleep',
        payload: { duration: TASK_MS },
      })),
    );
    const ids = answer.tasks.map((task) => task.id);
    await untilNodeHolds(suite.db.pool, paused, {
      running: RUNNING,
      held: RUNNING + CLAIMED,
      timeoutMs: 30_000,
    });
    // B has room to run all twelve at once, so every one of them is running when A resumes. A is
    // paused as soon as B is up: B may rescue once its own heartbeats held a lease, which is over
    // before A's heartbeat is a lease old, so no wait is needed here, and none may race A's sleeps.
    const other = await suite.start({ name: 'B', config: { queue: { workerPoolSize: RUNNING + CLAIMED } } });

    const { rows: atPause } = await suite.db.pool.query<{ id: string }>(
      `select id from tasks where locked_by = $1 and status = 'running'`,
      [paused.nodeId],
    );
    const wasRunning = atPause.map((row) => row.id);
    expect(wasRunning).toHaveLength(RUNNING);
    const pausedAt = Date.now();
    paused.signal('SIGSTOP');

    // B declares A dead once A's heartbeat is older than the lease, and runs its tasks (attempt 2).
    await waitFor(
      "B to run all of A's tasks",
      async () => {
        const { rows } = await suite.db.pool.query(
          `select count(*)::int as n from tasks where id = any($1::uuid[]) and status = 'running' and locked_by = $2`,
          [ids, other.nodeId],
        );
        return rows[0].n === RUNNING + CLAIMED;
      },
      { timeoutMs: LEASE_MS + HEARTBEAT_MS + 10_000 },
    );
    const takenOverMs = Date.now() - pausedAt;
    // A's own sleeps (due 9 s after they started) are over by now: they finish the moment it resumes.
    await delay(Math.max(0, TASK_MS - (Date.now() - pausedAt) + 500));
    const before = await tasksById(suite.db.pool, ids);
    const resumedAt = Date.now();
    paused.signal('SIGCONT');
    await waitFor(
      'A to notice it lost its lease',
      () => paused.logged('rejoined under a new node id').length > 0,
      {
        timeoutMs: 10_000,
      },
    );
    await delay(500);
    const after = await tasksById(suite.db.pool, ids);
    // The late outcomes of A (its sleeps ended while it was stopped) changed no row.
    expect(after).toEqual(before);
    expect(paused.alive).toBe(true);

    await waitForFinished(suite.db.pool, { count: ids.length, timeoutMs: TASK_MS + 15_000, ids });
    expect(await statusCounts(suite.db.pool)).toEqual({ succeeded: ids.length });
    const final = await tasksById(suite.db.pool, ids);
    const history = await historyOf(suite.db.pool, ids);
    for (const id of wasRunning) {
      expect(final.get(id)).toMatchObject({ status: 'succeeded', attempts: 2, locked_by: null });
      const events = history.get(id)!.map((event) => ({
        to: event.to_status,
        attempt: event.attempt,
        node: event.node_id === paused.nodeId ? 'A' : event.node_id === other.nodeId ? 'B' : event.node_id,
        error: event.error,
      }));
      expect(events, `history of ${id}`).toEqual([
        { to: 'queued', attempt: 0, node: null, error: null },
        { to: 'running', attempt: 1, node: 'A', error: null },
        { to: 'retrying', attempt: 1, node: 'A', error: expect.stringMatching(/worker lost/) },
        { to: 'running', attempt: 2, node: 'B', error: null },
        { to: 'succeeded', attempt: 2, node: 'B', error: null },
      ]);
    }
    // Nothing A wrote under its old node id after the pause.
    const { rows: late } = await suite.db.pool.query(
      `select count(*)::int as n from task_events where node_id = $1 and at > to_timestamp($2::float8 / 1000) and to_status <> 'retrying'`,
      [paused.nodeId, pausedAt],
    );
    expect(late[0].n).toBe(0);
    const discarded = paused.logged(
      'outcome discarded: the task moved on (lease lost, cancelled or retried elsewhere)',
    );
    recordResult('paused-instance', {
      scenario: 'paused instance (SIGSTOP past the 5 s lease, then SIGCONT)',
      result: `${RUNNING} running + ${CLAIMED} claimed tasks taken over by B ${takenOverMs} ms after the pause; A's late outcomes changed no row (fenced), history shows "worker lost"; A rejoined under a new node id`,
      figures: {
        takenOverMs,
        stoppedForMs: resumedAt - pausedAt,
        lateOutcomesDiscardedInLog: discarded.length,
      },
    });
  });
});
