import { describe, expect, it } from 'vitest';
import { statusCounts, waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { delay, waitFor } from './support/service.js';
import { faultSuite } from './support/suite.js';

const TASKS = 40;
const LEASE_MS = 5_000;

/**
 * A process paused past its lease (SIGSTOP, a long GC pause, a frozen VM) is declared dead and
 * its tasks rescued while it sleeps. When it wakes, the requests that queued up on its socket run
 * before its next heartbeat tells it that it is dead: its enqueues would claim their tasks at
 * insert under the dead node id, and the rescue, which is over, would never free them again.
 */
describe('an instance resumed after it was declared dead', () => {
  const suite = faultSuite();

  it('claims nothing under its dead id: every task it accepts on waking runs', async () => {
    const [paused] = await Promise.all([suite.start({ name: 'A' }), suite.start({ name: 'B' })]);
    const deadId = paused.nodeId;
    const pausedAt = Date.now();
    paused.signal('SIGSTOP');
    await waitFor(
      'B to declare A dead',
      async () => {
        const { rows } = await suite.db.pool.query(`select stopped_at from nodes where id = $1`, [deadId]);
        return rows[0]?.stopped_at !== null;
      },
      { timeoutMs: LEASE_MS * 3 + 10_000 },
    );
    const declaredDeadMs = Date.now() - pausedAt;
    // Requests sent to the stopped process wait in its socket and run the moment it resumes,
    // ahead of the heartbeat that would tell it it is dead. (The pause before SIGCONT only gives
    // them time to arrive; were they late, the test would pass without proving anything, never
    // fail by chance.)
    const answers = Array.from({ length: 4 }, () =>
      paused.enqueue(
        Array.from({ length: TASKS / 4 }, () => ({ taskType: 'Sleep', payload: { duration: 20 } })),
      ),
    );
    await delay(300);
    paused.signal('SIGCONT');
    const ids = (await Promise.all(answers)).flatMap((answer) => answer.tasks.map((task) => task.id));
    expect(ids).toHaveLength(TASKS);

    await waitForFinished(suite.db.pool, { count: TASKS, timeoutMs: 20_000, ids });
    expect(await statusCounts(suite.db.pool)).toEqual({ succeeded: TASKS });
    const { rows: underDeadId } = await suite.db.pool.query(
      `select count(*)::int as n from task_events where node_id = $1 and attempt > 0`,
      [deadId],
    );
    expect(underDeadId[0].n).toBe(0);
    await waitFor(
      'A to rejoin under a new node id',
      () => paused.logged('rejoined under a new node id').length > 0,
      {
        timeoutMs: 10_000,
      },
    );
    recordResult('claims-after-pause', {
      scenario: 'instance resumed after it was declared dead, with enqueues waiting on its socket',
      result: `A was declared dead ${declaredDeadMs} ms into its pause; the ${TASKS} tasks it accepted on waking were stored unclaimed (its claim was refused) and all ran; none under its dead id`,
      figures: { declaredDeadMs, tasks: TASKS },
    });
  });
});
