import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/tasks/task-handler.js';
import { type EngineSetup, recordingHandler, setupEngines } from '../support/engine.js';
import { ManualClock } from '../support/manual-clock.js';
import { TaskEvents } from '../support/task-events.js';

describe('engine basics', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('runs every enqueued task exactly once and records the history', async () => {
    const starts = new Map<string, number>();
    setup = await setupEngines({ handlers: [recordingHandler({ starts, run: (p) => ({ echo: p.n }) })] });
    const engine = await setup.startEngine();
    const result = await engine.enqueueBatch(
      Array.from({ length: 300 }, (_, n) => ({ type: 'Record', payload: { n } })),
    );
    expect(result.accepted).toHaveLength(300);
    await setup.waitForFinished(300);
    expect(starts.size).toBe(300);
    expect([...starts.values()].every((count) => count === 1)).toBe(true);
    const task = await engine.getTask(result.accepted[7]!.id);
    expect(task).toMatchObject({ status: 'succeeded', attempts: 1, result: { echo: 7 }, lockedBy: null });
    const history = await engine.getTaskHistory(result.accepted[7]!.id);
    expect(history.map((h) => [h.fromStatus, h.toStatus])).toEqual([
      [null, 'queued'],
      ['queued', 'running'],
      ['running', 'succeeded'],
    ]);
  });

  it('retries with backoff then goes dead; a permanent error goes dead at once; manual retry revives', async () => {
    const starts = new Map<string, number>();
    setup = await setupEngines({
      handlers: [
        recordingHandler({
          starts,
          run: (p) => {
            if (p.permanent) throw new PermanentError('bad input');
            throw 'plain string failure';
          },
        }),
      ],
    });
    // The backoffs pass when the test moves the clock, not when the machine gets round to it.
    const clock = new ManualClock();
    const engine = await setup.startEngine({ clock });
    const events = TaskEvents.watch(engine);
    const { accepted } = await engine.enqueueBatch([
      { type: 'Record', payload: {}, maxRetries: 2, backoffMs: 50 },
      { type: 'Record', payload: { permanent: true }, maxRetries: 5, backoffMs: 50 },
    ]);
    const flakyId = accepted[0]!.id;
    // backoff 50 ms, then doubled to 100 ms, each ±20%, counted from the failure by the clock.
    for (const [attempt, backoffMs] of [
      [1, 50],
      [2, 100],
    ] as const) {
      await events.next({ kind: 'retrying', taskId: flakyId, attempt });
      const { runAt } = (await engine.getTask(flakyId))!;
      const waitMs = runAt.getTime() - clock.now();
      expect(waitMs).toBeGreaterThanOrEqual(backoffMs * 0.8);
      expect(waitMs).toBeLessThanOrEqual(backoffMs * 1.2);
      clock.set(runAt);
    }
    await events.next({ kind: 'dead', taskId: flakyId });
    await setup.waitForFinished(2);
    const flaky = await engine.getTask(flakyId);
    expect(flaky).toMatchObject({ status: 'dead', attempts: 3, error: 'plain string failure' });
    const permanent = await engine.getTask(accepted[1]!.id);
    expect(permanent).toMatchObject({ status: 'dead', attempts: 1, error: 'PermanentError: bad input' });
    const history = await engine.getTaskHistory(flakyId);
    expect(history.map((h) => h.toStatus)).toEqual([
      'queued',
      'running',
      'retrying',
      'running',
      'retrying',
      'running',
      'dead',
    ]);

    const seenBefore = events.seen.length;
    await expect(engine.retryTask(flakyId)).resolves.toMatchObject({ status: 'queued', attempts: 0 });
    await expect(engine.retryTask(flakyId)).rejects.toMatchObject({ code: 'invalid_state' });
    // The revived task runs again (and fails again, as it always does).
    await events.first(
      (event) =>
        events.seen.indexOf(event) >= seenBefore && event.taskId === flakyId && event.kind === 'started',
      { what: 'the revived task to start' },
    );
    expect(starts.get(flakyId)).toBe(4);
  });
});
