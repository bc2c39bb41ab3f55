import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ThreadRunner } from '../../src/engine/thread-runner.js';
import type { TaskLifecycleEvent } from '../../src/events/task-event.js';
import { defineHandler } from '../../src/tasks/task-handler.js';
import { type EngineSetup, recordingHandler, setupEngines, testLog } from '../support/engine.js';
import threadTestHandler from './fixtures/thread-test-handler.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Resolves with the first event (from now on) that matches. */
function nextEvent(setup: EngineSetup, match: (event: TaskLifecycleEvent) => boolean) {
  const engine = setup.engines[0]!;
  return new Promise<{ event: TaskLifecycleEvent; receivedAt: number }>((resolve) => {
    const stop = engine.events.subscribe((batch) => {
      const event = batch.find(match);
      if (!event) return;
      stop();
      resolve({ event, receivedAt: Date.now() });
    });
  });
}

describe('ctx.progress', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('stores the latest value at most once a second however often a handler calls it', async () => {
    const secondReport = deferred();
    const finish = deferred();
    setup = await setupEngines({
      handlers: [
        defineHandler({
          type: 'Busy',
          payloadSchema: z.object({}),
          async run(_payload, ctx) {
            for (let step = 1; step <= 1000; step++) ctx.progress(step / 1000, `step ${step}`);
            await secondReport.promise;
            ctx.progress(0.25, 'second phase');
            ctx.progress(0.5, 'second phase, later');
            await finish.promise;
            return 'done';
          },
        }),
      ],
    });
    const engine = await setup.startEngine();
    const first = nextEvent(setup, (event) => event.kind === 'progress');
    const { accepted } = await engine.enqueueBatch([{ type: 'Busy' }]);
    const id = accepted[0]!.id;
    const firstWrite = await first;
    expect(firstWrite.event).toMatchObject({
      taskId: id,
      progress: 1,
      progressMessage: 'step 1000',
      attempt: 1,
    });
    expect((await engine.getTask(id))?.progress).toMatchObject({ fraction: 1, message: 'step 1000' });

    const second = nextEvent(setup, (event) => event.kind === 'progress');
    secondReport.resolve();
    const secondWrite = await second;
    // Only the newest of the two calls is written, and not before a second has passed.
    expect(secondWrite.event).toMatchObject({ progress: 0.5, progressMessage: 'second phase, later' });
    expect(secondWrite.receivedAt - firstWrite.receivedAt).toBeGreaterThanOrEqual(950);
    expect(setup.events.filter((event) => event.taskId === id && event.kind === 'progress')).toHaveLength(2);
    const task = await engine.getTask(id);
    expect(task).toMatchObject({ status: 'running', progress: { fraction: 0.5 } });

    finish.resolve();
    await setup.waitForFinished(1);
    // The value stays with the finished task; no history row was written for progress.
    expect((await engine.getTask(id))?.progress).toMatchObject({ fraction: 0.5 });
    const history = await engine.getTaskHistory(id);
    expect(history.map((entry) => entry.toStatus)).toEqual(['queued', 'running', 'succeeded']);
  });

  it('rides along with the outcome of a quick task, and a new attempt starts without progress', async () => {
    const starts = new Map<string, number>();
    setup = await setupEngines({
      handlers: [
        defineHandler({
          type: 'Flaky',
          payloadSchema: z.object({}),
          run(_payload, ctx) {
            if (ctx.attempt === 1) {
              ctx.progress(0.3, 'half way, then a failure');
              throw new Error('boom');
            }
            return 'ok';
          },
        }),
        defineHandler({
          type: 'Quick',
          payloadSchema: z.object({}),
          run(_payload, ctx) {
            ctx.progress(0.9, 'nearly');
            return 'ok';
          },
        }),
        recordingHandler({ starts }),
      ],
      config: { queue: { defaultBackOff: 10 } },
    });
    const engine = await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([
      { type: 'Quick' },
      { type: 'Flaky' },
      { type: 'Record' },
    ]);
    await setup.waitForFinished(3);
    const [quick, flaky, plain] = await Promise.all(accepted.map((task) => engine.getTask(task.id)));
    expect(quick).toMatchObject({ status: 'succeeded', progress: { fraction: 0.9, message: 'nearly' } });
    expect(flaky).toMatchObject({ status: 'succeeded', attempts: 2, progress: null });
    expect(plain).toMatchObject({ status: 'succeeded', progress: null });
    const flakyHistory = await engine.getTaskHistory(flaky!.id);
    expect(flakyHistory.map((entry) => entry.toStatus)).toEqual([
      'queued',
      'running',
      'retrying',
      'running',
      'succeeded',
    ]);
  });

  it('refuses a fraction outside 0..1 inside the handler', async () => {
    setup = await setupEngines({
      handlers: [
        defineHandler({
          type: 'Percent',
          payloadSchema: z.object({}),
          run(_payload, ctx) {
            ctx.progress(50);
          },
        }),
      ],
      config: { queue: { maxTaskRetry: 0 } },
    });
    const engine = await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([{ type: 'Percent' }]);
    await setup.waitForFinished(1);
    const task = await engine.getTask(accepted[0]!.id);
    expect(task?.status).toBe('dead');
    expect(task?.error).toContain('fraction must be a number from 0 to 1, got 50');
  });

  it('reaches the parent from a worker-thread handler', async () => {
    const threads = new ThreadRunner({ size: 1, log: testLog });
    setup = await setupEngines({ handlers: [threadTestHandler] });
    const engine = await setup.startEngine({ threads });
    const { accepted } = await engine.enqueueBatch([
      { type: 'ThreadTest', payload: { kind: 'progress', fraction: 0.75, message: 'from a thread' } },
    ]);
    await setup.waitForFinished(1);
    const task = await engine.getTask(accepted[0]!.id);
    expect(task).toMatchObject({
      status: 'succeeded',
      result: 'reported',
      progress: { fraction: 0.75, message: 'from a thread' },
    });
  });
});
