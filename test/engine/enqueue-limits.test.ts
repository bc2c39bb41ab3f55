import { afterEach, describe, expect, it } from 'vitest';
import type { EngineError } from '../../src/engine/types.js';
import { type EngineSetup, recordingHandler, setupEngines } from '../support/engine.js';
import { HOUR, TEN_YEARS_MS, toNumberHandler } from '../support/enqueue-limit-cases.js';

/** The engine owns the enqueue rules; these pin the cases where it once disagreed with the API. */
describe('enqueue limits in the engine (the library API)', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());
  const starts = new Map<string, number>();

  const problemsOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: EngineError) => {
        expect(error.code).toBe('validation_failed');
        return error.details as Array<{ index: number; path: string; message: string }>;
      },
    );

  it('stores a delay of 720h and of ten years on the database clock, and refuses one past ten years', async () => {
    setup = await setupEngines({ handlers: [recordingHandler({ starts })] });
    const engine = await setup.startEngine({ processTasks: false });
    const before = Date.now();
    const { accepted } = await engine.enqueueBatch([
      { type: 'Record', delayMs: 720 * HOUR },
      { type: 'Record', delayMs: TEN_YEARS_MS },
    ]);
    const month = await engine.getTask(accepted[0]!.id);
    const decade = await engine.getTask(accepted[1]!.id);
    expect(month!.runAt.getTime()).toBeGreaterThanOrEqual(before + 720 * HOUR - 5_000);
    expect(decade!.runAt.getTime()).toBeGreaterThanOrEqual(before + TEN_YEARS_MS - 5_000);
    expect(await engine.explainWait(accepted[0]!.id)).toMatchObject({ reason: 'scheduled' });

    const problems = await problemsOf(engine.enqueueBatch([{ type: 'Record', delayMs: TEN_YEARS_MS + 1 }]));
    expect(problems).toEqual([{ index: 0, path: 'delay', message: expect.stringContaining('10 years') }]);
  });

  it('takes a dedupe key of 512 characters and refuses 513', async () => {
    setup = await setupEngines({ handlers: [recordingHandler({ starts })] });
    const engine = await setup.startEngine({ processTasks: false });
    const { accepted } = await engine.enqueueBatch([{ type: 'Record', dedupeKey: 'k'.repeat(512) }]);
    expect((await engine.getTask(accepted[0]!.id))?.dedupeKey).toHaveLength(512);
    const problems = await problemsOf(engine.enqueueBatch([{ type: 'Record', dedupeKey: 'k'.repeat(513) }]));
    expect(problems).toEqual([{ index: 0, path: 'key', message: 'key must be 1-512 characters' }]);
  });

  it("parses a payload once: a transforming schema's output reaches the handler", async () => {
    const { handler: toNumber, received } = toNumberHandler();
    setup = await setupEngines({ handlers: [toNumber] });
    const engine = await setup.startEngine();
    const { accepted } = await engine.enqueueBatch([{ type: 'ToNumber', payload: { n: '42' } }]);
    expect(await received).toBe(42);
    await setup.waitForFinished(1);
    expect(await engine.getTask(accepted[0]!.id)).toMatchObject({
      status: 'succeeded',
      payload: { n: 42 },
      result: { doubled: 84 },
    });
  });

  it('refuses what the API refuses: runAt with delay, a zero timeout, an invalid runAt', async () => {
    setup = await setupEngines({ handlers: [recordingHandler({ starts })] });
    const engine = await setup.startEngine({ processTasks: false });
    const problems = await problemsOf(
      engine.enqueueBatch([
        { type: 'Record', runAt: new Date(), delayMs: 1000 },
        { type: 'Record', timeoutMs: 0 },
        { type: 'Record', runAt: new Date('not a date') },
        { type: 'Record', queue: 'no spaces' },
      ]),
    );
    expect(problems?.map((problem) => `${problem.index}:${problem.path}`)).toEqual([
      '0:delay',
      '1:timeout',
      '2:runAt',
      '3:queue',
    ]);
    expect(problems?.[3]?.message).toBe('a queue name of 1-64 letters, digits, "_", "." or "-"');
  });
});
