import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/tasks/task-handler.js';
import { type EngineSetup, recordingHandler, setupEngines } from '../support/engine.js';

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
    const engine = await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([
      { type: 'Record', payload: {}, maxRetries: 2, backoffMs: 50 },
      { type: 'Record', payload: { permanent: true }, maxRetries: 5, backoffMs: 50 },
    ]);
    await setup.waitForFinished(2);
    const flaky = await engine.getTask(accepted[0]!.id);
    expect(flaky).toMatchObject({ status: 'dead', attempts: 3, error: 'plain string failure' });
    const permanent = await engine.getTask(accepted[1]!.id);
    expect(permanent).toMatchObject({ status: 'dead', attempts: 1, error: 'PermanentError: bad input' });
    const history = await engine.getTaskHistory(accepted[0]!.id);
    expect(history.map((h) => h.toStatus)).toEqual([
      'queued',
      'running',
      'retrying',
      'running',
      'retrying',
      'running',
      'dead',
    ]);
    const gaps = [];
    for (let i = 2; i < history.length; i++)
      gaps.push(history[i]!.at.getTime() - history[i - 1]!.at.getTime());
    // backoff 50 ms then 100 ms (±20%): the second wait is longer than the first minimum
    expect(gaps[1]!).toBeGreaterThanOrEqual(35);
    expect(gaps[3]!).toBeGreaterThanOrEqual(75);

    await expect(engine.retryTask(accepted[0]!.id)).resolves.toMatchObject({ status: 'queued', attempts: 0 });
    await expect(engine.retryTask(accepted[0]!.id)).rejects.toMatchObject({ code: 'invalid_state' });
    await new Promise((done) => setTimeout(done, 300));
    expect(starts.get(accepted[0]!.id)).toBeGreaterThanOrEqual(4);
  });
});
