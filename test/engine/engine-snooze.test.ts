import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ThreadRunner } from '../../src/engine/thread-runner.js';
import { defineHandler, Snooze } from '../../src/tasks/task-handler.js';
import { type EngineSetup, setupEngines, testLog } from '../support/engine.js';
import { ManualClock } from '../support/manual-clock.js';
import { TaskEvents } from '../support/task-events.js';
import threadTestHandler from './fixtures/thread-test-handler.js';

describe('Snooze', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('runs the task again after the delay without spending an attempt, and the history says so', async () => {
    const runs: Array<{ attempt: number; at: number }> = [];
    const clock = new ManualClock();
    setup = await setupEngines({
      handlers: [
        defineHandler({
          type: 'Patient',
          payloadSchema: z.object({ snoozes: z.number() }),
          run(payload, ctx) {
            runs.push({ attempt: ctx.attempt, at: clock.now() });
            if (runs.length <= payload.snoozes) throw new Snooze('300ms');
            return { runs: runs.length };
          },
        }),
      ],
    });
    const engine = await setup.startEngine({ clock });
    const events = TaskEvents.watch(engine);
    // No retries at all: three snoozes must still end in success.
    const { accepted } = await engine.enqueueBatch([
      { type: 'Patient', payload: { snoozes: 3 }, maxRetries: 0 },
    ]);
    const id = accepted[0]!.id;
    // Each snooze waits 300 ms by the clock: the test moves it once the snooze is written.
    for (let snoozes = 1; snoozes <= 3; snoozes++) {
      await events.first(
        (event) => event.taskId === id && event.kind === 'snoozed' && runs.length === snoozes,
        { what: `snooze ${snoozes}` },
      );
      clock.advance(300);
    }
    await events.next({ kind: 'succeeded', taskId: id });
    const task = await engine.getTask(id);
    expect(task).toMatchObject({ status: 'succeeded', attempts: 1, maxAttempts: 1, result: { runs: 4 } });
    expect(runs.map((run) => run.attempt)).toEqual([1, 1, 1, 1]);
    for (let index = 1; index < runs.length; index++) {
      expect(runs[index]!.at - runs[index - 1]!.at).toBe(300);
    }
    const history = await engine.getTaskHistory(id);
    expect(history.map((entry) => [entry.fromStatus, entry.toStatus, entry.attempt, entry.error])).toEqual([
      [null, 'queued', 0, null],
      ['queued', 'running', 1, null],
      ['running', 'queued', 1, 'snoozed 300ms'],
      ['queued', 'running', 1, null],
      ['running', 'queued', 1, 'snoozed 300ms'],
      ['queued', 'running', 1, null],
      ['running', 'queued', 1, 'snoozed 300ms'],
      ['queued', 'running', 1, null],
      ['running', 'succeeded', 1, null],
    ]);
    expect(setup.events.filter((event) => event.taskId === id && event.kind === 'snoozed')).toHaveLength(3);
  });

  it('keeps a retry a retry: a snooze on attempt 2 waits as retrying with one attempt spent', async () => {
    setup = await setupEngines({
      handlers: [
        defineHandler({
          type: 'FailThenSnooze',
          payloadSchema: z.object({}),
          run(_payload, ctx) {
            if (ctx.attempt === 1) throw new Error('first attempt fails');
            throw new Snooze('1h');
          },
        }),
      ],
      config: { queue: { defaultBackOff: 10 } },
    });
    const engine = await setup.startEngine();
    const events = TaskEvents.watch(engine);
    const { accepted } = await engine.enqueueBatch([{ type: 'FailThenSnooze' }]);
    const id = accepted[0]!.id;
    await events.next({ taskId: id, kind: 'snoozed' });
    const { rows } = await rowOf(setup, id);
    expect(rows[0]).toMatchObject({ status: 'retrying' });
    expect(rows[0].delay_s).toBeGreaterThan(50 * 60);
    expect(rows[0]).toMatchObject({ attempts: 1, error: 'snoozed 1h', locked_by: null, finished_at: null });
    const wait = await engine.explainWait(id);
    expect(wait?.reason).toBe('backoff');
  });

  it('works from a worker thread; a delay that is not a duration is an ordinary failure', async () => {
    const threads = new ThreadRunner({ size: 1, log: testLog });
    setup = await setupEngines({ handlers: [threadTestHandler], config: { queue: { maxTaskRetry: 0 } } });
    const engine = await setup.startEngine({ threads });
    const events = TaskEvents.watch(engine);
    const { accepted } = await engine.enqueueBatch([
      { type: 'ThreadTest', payload: { kind: 'snooze', delay: '2h' } },
      { type: 'ThreadTest', payload: { kind: 'snooze', delay: 'soon' } },
    ]);
    await events.next({ taskId: accepted[0]!.id, kind: 'snoozed' });
    const snoozed = await rowOf(setup, accepted[0]!.id);
    expect(snoozed.rows[0]).toMatchObject({ status: 'queued', attempts: 0, error: 'snoozed 2h' });
    expect(snoozed.rows[0].delay_s).toBeGreaterThan(7000);
    await setup.waitForFinished(1);
    const bad = await engine.getTask(accepted[1]!.id);
    expect(bad?.status).toBe('dead');
    expect(bad?.error).toContain('Snooze("soon"): expected a duration like "30s"');
  });
});

/** The task's row, with how far ahead its run time is (s). */
function rowOf(setup: EngineSetup, id: string) {
  return setup.db.pool.query(
    `select *, extract(epoch from run_at - now())::float as delay_s from tasks where id = $1`,
    [id],
  );
}
