import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Engine } from '../../src/engine/engine.js';
import { defineHandler } from '../../src/tasks/task-handler.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';

/** A promise with its resolve at hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * A handler that holds every task until the test releases it, and keeps what the limits are
 * about: every start in order, and the most tasks of each key that ever ran at once.
 */
function gatedHandler() {
  const starts: Array<{ id: string; key: string | null }> = [];
  const runningByKey = new Map<string, number>();
  const peakByKey = new Map<string, number>();
  const gates = new Map<string, () => void>();
  const waiters: Array<{ count: number; done: () => void }> = [];
  const handler = defineHandler({
    type: 'Gated',
    payloadSchema: z.object({ key: z.string().nullable().default(null) }),
    async run(payload, ctx) {
      const key = payload.key ?? '(none)';
      starts.push({ id: ctx.taskId, key: payload.key });
      runningByKey.set(key, (runningByKey.get(key) ?? 0) + 1);
      peakByKey.set(key, Math.max(peakByKey.get(key) ?? 0, runningByKey.get(key)!));
      for (const waiter of waiters.splice(0)) {
        if (starts.length >= waiter.count) waiter.done();
        else waiters.push(waiter);
      }
      const gate = deferred();
      gates.set(ctx.taskId, gate.resolve);
      await gate.promise;
      runningByKey.set(key, runningByKey.get(key)! - 1);
      return { key };
    },
  });
  return {
    handler,
    starts,
    peakByKey,
    /** Resolves once `count` tasks have started in all. */
    startsReach(count: number): Promise<void> {
      if (starts.length >= count) return Promise.resolve();
      const waiter = deferred();
      waiters.push({ count, done: waiter.resolve });
      return waiter.promise;
    },
    release(id: string) {
      gates.get(id)?.();
      gates.delete(id);
    },
    releaseAll() {
      for (const open of gates.values()) open();
      gates.clear();
    },
  };
}

async function waitingFor(engine: Engine, id: string) {
  return engine.explainWait(id);
}

describe('concurrency keys', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('holds maxPerKey across two instances, frees a slot when an outcome is written, and says why a task waits', async () => {
    const gated = gatedHandler();
    setup = await setupEngines({
      handlers: [gated.handler],
      config: { queue: { workerPoolSize: 4, queues: [{ id: 'tenants', maxPerKey: 2 }] } },
    });
    const [a, b] = [await setup.startEngine(), await setup.startEngine()];
    const tasks = ['acme', 'acme', 'acme', 'acme', 'acme', 'globex', 'globex', 'globex'].map((key) => ({
      type: 'Gated',
      queue: 'tenants',
      concurrencyKey: key,
      payload: { key },
    }));
    // Half through each instance: both claim from the same keys at once.
    const first = await a.enqueueBatch(tasks.slice(0, 4));
    const second = await b.enqueueBatch(tasks.slice(4));
    const ids = [...first.accepted, ...second.accepted].map((task) => task.id);
    await gated.startsReach(4);
    // Two per key are running (8 slots across the two nodes); the rest wait on their key.
    const { rows } = await setup.db.pool.query(
      `select concurrency_key as key, count(*)::int as n from tasks
       where locked_by is not null group by 1 order by 1`,
    );
    expect(rows).toEqual([
      { key: 'acme', n: 2 },
      { key: 'globex', n: 2 },
    ]);
    const waitingAcme = ids.find(
      (id, index) => tasks[index]!.concurrencyKey === 'acme' && !gated.starts.some((s) => s.id === id),
    )!;
    expect(await waitingFor(a, waitingAcme)).toEqual({
      reason: 'key_at_capacity',
      queue: 'tenants',
      key: 'acme',
      running: 2,
      limit: 2,
    });
    // One acme task ends: exactly one more acme task may start, on either instance.
    const acmeRunning = gated.starts.filter((start) => start.key === 'acme');
    gated.release(acmeRunning[0]!.id);
    await gated.startsReach(5);
    expect(gated.starts[4]!.key).toBe('acme');
    gated.releaseAll();
    // Every later start is released as it comes, until all eight have run.
    const releaseLoop = setInterval(() => gated.releaseAll(), 10);
    try {
      await setup.waitForFinished(8);
    } finally {
      clearInterval(releaseLoop);
    }
    expect(gated.peakByKey.get('acme')).toBe(2);
    expect(gated.peakByKey.get('globex')).toBe(2);
    expect(new Set(gated.starts.map((start) => start.id)).size).toBe(8);
  });

  it('rotates among keys: one key with 10,000 tasks and nine keys with one each — the nine start in the first round', async () => {
    const gated = gatedHandler();
    setup = await setupEngines({
      handlers: [gated.handler],
      config: { queue: { workerPoolSize: 5, queues: [{ id: 'fair', maxPerKey: 1000 }] } },
    });
    const [a, b] = [await setup.startEngine(), await setup.startEngine()];
    // The big key is enqueued first, so claiming in arrival order would run 10,000 before the rest.
    const big = Array.from({ length: 10_000 }, () => ({
      type: 'Gated',
      queue: 'fair',
      concurrencyKey: 'big-customer',
      payload: { key: 'big-customer' },
    }));
    await a.pauseQueue('fair');
    await a.enqueueBatch(big);
    await a.enqueueBatch(
      Array.from({ length: 9 }, (_, index) => ({
        type: 'Gated',
        queue: 'fair',
        concurrencyKey: `small-${index}`,
        payload: { key: `small-${index}` },
      })),
    );
    await b.resumeQueue('fair');
    // The first round: every worker slot of both instances (5 + 5) fills once.
    await gated.startsReach(10);
    const firstRound = gated.starts.slice(0, 10).map((start) => start.key);
    for (let index = 0; index < 9; index++) expect(firstRound).toContain(`small-${index}`);
    expect(firstRound.filter((key) => key === 'big-customer')).toHaveLength(1);
    gated.releaseAll();
  });
});

describe('rate limits', () => {
  let setup: EngineSetup;
  afterEach(() => setup?.teardown());

  it('starts at most max per window across two instances; waiting tasks say when the next slot opens', async () => {
    const started: string[] = [];
    const reached = new Map<number, () => void>();
    setup = await setupEngines({
      handlers: [
        defineHandler({
          type: 'Counted',
          payloadSchema: z.object({}),
          run(_payload, ctx) {
            started.push(ctx.taskId);
            reached.get(started.length)?.();
          },
        }),
      ],
      config: { queue: { queues: [{ id: 'api-calls', rateLimit: { max: 5, per: '1h' } }] } },
    });
    const [a, b] = [await setup.startEngine(), await setup.startEngine()];
    const startsReach = (count: number) => {
      const done = deferred();
      if (started.length >= count) done.resolve();
      reached.set(count, done.resolve);
      return done.promise;
    };
    const batch = Array.from({ length: 6 }, () => ({ type: 'Counted', queue: 'api-calls' }));
    const accepted = [...(await a.enqueueBatch(batch)).accepted, ...(await b.enqueueBatch(batch)).accepted];
    await startsReach(5);
    await setup.waitForFinished(5);
    // The window is booked in PostgreSQL: five starts, whichever instance made them.
    const window = await setup.db.pool.query(
      `select rate_window_count as count, rate_window_started_at as opened, now() as now
       from queues where name = 'api-calls'`,
    );
    expect(window.rows[0].count).toBe(5);
    const waiting = accepted.find((task) => !started.includes(task.id))!;
    const wait = await waitingFor(b, waiting.id);
    expect(wait).toMatchObject({ reason: 'rate_limited', queue: 'api-calls', max: 5, perMs: 3_600_000 });
    if (wait?.reason !== 'rate_limited') throw new Error('not rate limited');
    expect(wait.nextSlotAt.getTime()).toBe(window.rows[0].opened.getTime() + 3_600_000);
    const { rows } = await setup.db.pool.query(
      `select count(*)::int as n from tasks where queue = 'api-calls' and status <> 'queued'`,
    );
    expect(rows[0].n).toBe(5);
    // Time moves on (the window opened an hour ago): the next five start, and no more.
    await setup.db.pool.query(
      `update queues set rate_window_started_at = rate_window_started_at - interval '1 hour' where name = 'api-calls'`,
    );
    await a.enqueueBatch([{ type: 'Counted', queue: 'api-calls' }]);
    await startsReach(10);
    await setup.waitForFinished(10);
    const after = await setup.db.pool.query(
      `select (select rate_window_count from queues where name = 'api-calls') as count,
              (select count(*)::int from tasks where queue = 'api-calls' and status = 'queued') as queued`,
    );
    expect(after.rows[0]).toEqual({ count: 5, queued: 3 });
    expect(new Set(started).size).toBe(started.length);
  });
});
