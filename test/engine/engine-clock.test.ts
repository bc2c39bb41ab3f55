import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { type EngineSetup, recordingHandler, setupEngines } from '../support/engine.js';
import { ManualClock } from '../support/manual-clock.js';
import { TaskEvents } from '../support/task-events.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The engine's clock decides what is due: these tests move a ManualClock past a delay or a
 * backoff and never wait for the time itself, so they take as long on a slow machine as on a
 * fast one. "Not before" is shown by a claim round that happened after the clock moved: a marker
 * task enqueued then is claimed by the same statement that would have taken the waiting task.
 */
describe('the engine on a clock it is handed', () => {
  let setup: EngineSetup;
  let clock: ManualClock;
  afterEach(() => setup?.teardown());

  /** One node that runs tasks and one that only enqueues (so nothing is claimed at insert), on one clock. */
  async function start(run: (payload: Record<string, unknown>, attempt: number) => unknown = () => 'ok') {
    clock = new ManualClock();
    setup = await setupEngines({
      handlers: [recordingHandler({ starts: new Map(), run: (payload, ctx) => run(payload, ctx.attempt) })],
    });
    const runner = await setup.startEngine({ clock });
    const enqueuer = await setup.startEngine({ clock, processTasks: false });
    return { runner, enqueuer, events: TaskEvents.watch(runner) };
  }

  /** Resolves once a claim round that began after this call has run a marker task to its end. */
  async function claimRoundDone(enqueuer: Engine, events: TaskEvents): Promise<void> {
    const { accepted } = await enqueuer.enqueueBatch([{ type: 'Record', payload: { marker: true } }]);
    await events.next({ kind: 'succeeded', taskId: accepted[0]!.id });
  }

  async function waiting(engine: Engine, id: string) {
    const task = await engine.getTask(id);
    return { status: task?.status, lockedBy: task?.lockedBy, attempts: task?.attempts };
  }

  it('claims a task delayed one hour the moment the clock reaches its runAt, not a millisecond before', async () => {
    const { runner, enqueuer, events } = await start();
    const enqueuedAt = clock.now();
    const { accepted } = await enqueuer.enqueueBatch([{ type: 'Record', payload: {}, delayMs: HOUR }]);
    const id = accepted[0]!.id;
    expect((await runner.getTask(id))?.runAt).toEqual(new Date(enqueuedAt + HOUR));
    expect(await runner.explainWait(id)).toMatchObject({ reason: 'scheduled' });

    clock.advance(HOUR - 1);
    await claimRoundDone(enqueuer, events);
    expect(await waiting(runner, id)).toEqual({ status: 'queued', lockedBy: null, attempts: 0 });
    expect(await runner.explainWait(id)).toMatchObject({ reason: 'scheduled' });

    clock.advance(1);
    const started = await events.next({ kind: 'started', taskId: id });
    // Started and recorded at the clock's time: the engine writes the clock it is handed.
    expect(started).toMatchObject({ at: new Date(enqueuedAt + HOUR).toISOString(), waitMs: 0 });
    await events.next({ kind: 'succeeded', taskId: id });
  });

  it('runs a retry with a 10-minute backoff once the clock has moved through it', async () => {
    const { runner, enqueuer, events } = await start((payload, attempt) => {
      if (!payload.marker && attempt === 1) throw new Error('first attempt fails');
      return 'ok';
    });
    const { accepted } = await enqueuer.enqueueBatch([
      { type: 'Record', payload: {}, backoffMs: 10 * MINUTE, maxRetries: 3 },
    ]);
    const id = accepted[0]!.id;
    const failedAt = clock.now();
    await events.next({ kind: 'retrying', taskId: id });
    const { runAt } = (await runner.getTask(id))!;
    // 10 minutes with the ±20% jitter, counted from the clock's time of the failure.
    const backoffMs = runAt.getTime() - failedAt;
    expect(backoffMs).toBeGreaterThanOrEqual(8 * MINUTE);
    expect(backoffMs).toBeLessThanOrEqual(12 * MINUTE);
    expect(await runner.explainWait(id)).toMatchObject({ reason: 'backoff', until: runAt });

    clock.advance(backoffMs - 1);
    await claimRoundDone(enqueuer, events);
    expect(await waiting(runner, id)).toEqual({ status: 'retrying', lockedBy: null, attempts: 1 });

    clock.advance(1);
    await events.next({ kind: 'succeeded', taskId: id });
    expect(await runner.getTask(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('holds a short backoff in the buffer until the clock, not the timer, says it is due', async () => {
    const { runner, enqueuer, events } = await start((payload, attempt) => {
      if (!payload.marker && attempt === 1) throw new Error('first attempt fails');
      return 'ok';
    });
    // 5 s (±20%) stays in this node's buffer (held retries are up to 10 s), still locked by it.
    const { accepted } = await enqueuer.enqueueBatch([{ type: 'Record', payload: {}, backoffMs: 5000 }]);
    const id = accepted[0]!.id;
    const failedAt = clock.now();
    await events.next({ kind: 'retrying', taskId: id });
    const backoffMs = (await runner.getTask(id))!.runAt.getTime() - failedAt;
    expect(await waiting(runner, id)).toEqual({ status: 'retrying', lockedBy: runner.nodeId, attempts: 1 });

    // Its due timer is real and keeps looking; the clock is a millisecond short, so it still waits.
    clock.advance(backoffMs - 1);
    await claimRoundDone(enqueuer, events);
    expect(await waiting(runner, id)).toMatchObject({ status: 'retrying', attempts: 1 });

    clock.advance(1);
    await events.next({ kind: 'succeeded', taskId: id });
  });
});

describe('leases on a clock', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it("expires an HTTP worker's lease when the clock passes it, however long the worker is silent in real time", async () => {
    const clock = new ManualClock();
    setup = await setupEngines({
      config: {
        lease: { timeout: 10 * MINUTE },
        tasks: { external: [{ type: 'Resize', queue: 'images', maxRetries: 1, backOff: 0 }] },
      },
    });
    const engine = await setup.startEngine({ clock });
    const events = TaskEvents.watch(engine);
    const { accepted } = await engine.enqueueBatch([{ type: 'Resize', payload: {} }]);
    const id = accepted[0]!.id;
    const [lease] = await engine.workerLeases.claim({ worker: 'w1', types: ['Resize'], max: 1, waitMs: 0 });
    expect(lease).toMatchObject({ id, expiresAt: new Date(clock.now() + 10 * MINUTE) });

    // Lease rounds keep running on their real timer; a millisecond before expiry the lease still holds.
    clock.advance(10 * MINUTE - 1);
    await expect(engine.workerLeases.heartbeat({ id, token: lease!.token })).resolves.toEqual(
      new Date(clock.now() + 10 * MINUTE),
    );

    // The heartbeat renewed it: ten minutes from now by the clock, then it is gone.
    clock.advance(10 * MINUTE + 1);
    const lost = await events.next({ kind: 'retrying', taskId: id });
    expect(lost.error).toMatch(/worker lost: the lease of worker:w1 expired/);
    await expect(engine.workerLeases.complete({ id, token: lease!.token })).rejects.toMatchObject({
      code: 'lease_lost',
    });
  });
});
