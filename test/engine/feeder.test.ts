import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENQUEUE_CHANNEL } from '../../src/db/channels.js';
import type { EngineStore } from '../../src/db/engine-store.js';
import { Feeder } from '../../src/engine/feeder.js';
import { LocalQueues } from '../../src/engine/local-queues.js';
import { Notifier } from '../../src/engine/notifier.js';
import { QueueLimits } from '../../src/engine/queue-limits.js';
import { testConfig, testLog } from '../support/engine.js';
import { deferred, type StoreSetup, setupStore } from '../support/engine-parts.js';

const BUFFER = 10;

describe('the feeder', () => {
  let setup: StoreSetup;
  let feeder: Feeder | undefined;
  let notifier: Notifier | undefined;

  beforeEach(async () => {
    setup = await setupStore();
  });

  afterEach(async () => {
    feeder?.stop();
    await feeder?.idle();
    await notifier?.close();
    await setup.teardown();
  });

  /** A feeder alone, over `store`, with polling far beyond any test: only requests and wakes claim. */
  function buildFeeder(options: {
    store: EngineStore;
    queues?: LocalQueues;
    limits?: QueueLimits;
    freeSlots?: () => number;
    onClaimed?: () => void;
  }) {
    const config = testConfig();
    const queues =
      options.queues ??
      new LocalQueues({
        settings: [],
        maxBufferSize: BUFFER,
        starvationEvery: config.queue.starvationEvery,
        pollIntervalMs: 3_600_000,
      });
    feeder = new Feeder({
      engineStore: options.store,
      queues,
      nodeId: () => setup.nodeId,
      maxBufferSize: BUFFER,
      oldestShare: 0,
      pollIntervalMs: 3_600_000,
      log: testLog,
      onClaimed: options.onClaimed ?? (() => {}),
      limits: options.limits ?? new QueueLimits([]),
      freeSlots: options.freeSlots ?? (() => 100),
      onClaimRefused: () => {},
    });
    return { feeder, queues };
  }

  async function lockedByNode(): Promise<number> {
    const { rows } = await setup.db.pool.query<{ n: number }>(
      'select count(*)::int as n from tasks where locked_by = $1',
      [setup.nodeId],
    );
    return rows[0]!.n;
  }

  it('claims only the room left in the buffer, however often it is asked', async () => {
    await setup.insert(30);
    const asked: number[] = [];
    const firstClaimHeld = deferred();
    const releaseFirstClaim = deferred();
    const store: EngineStore = {
      ...setup.store,
      claimTasks: async (options) => {
        asked.push(options.limit);
        if (asked.length === 1) {
          firstClaimHeld.resolve();
          await releaseFirstClaim.promise;
        }
        return setup.store.claimTasks(options);
      },
    };
    const { feeder, queues } = buildFeeder({ store });
    const local = queues.get('default');

    feeder.request();
    await firstClaimHeld.promise;
    // Asked again and again while its claim is in flight: the room is already promised to it.
    for (let i = 0; i < 5; i++) feeder.request();
    releaseFirstClaim.resolve();
    await feeder.idle();

    expect(asked).toEqual([BUFFER]);
    expect(local.buffer.size).toBe(BUFFER);
    expect(await lockedByNode()).toBe(BUFFER);

    // Workers took four: the next claim asks for exactly those four slots.
    for (let i = 0; i < 4; i++) local.buffer.pop();
    feeder.request();
    await feeder.idle();

    expect(asked).toEqual([BUFFER, 4]);
    expect(local.buffer.size).toBe(BUFFER);
    expect(await lockedByNode()).toBe(BUFFER + 4);
  });

  it('leaves a drained queue alone until a NOTIFY wakes it, then claims what arrived', async () => {
    const claimed = deferred();
    const { feeder, queues } = buildFeeder({ store: setup.store, onClaimed: () => claimed.resolve() });
    const local = queues.get('default');
    notifier = new Notifier({
      url: setup.db.url,
      channels: [ENQUEUE_CHANNEL],
      log: testLog,
      onNotification: (_channel, queue) => feeder.wake(queue),
      onReconnect: () => feeder.wake(),
    });
    await notifier.start();

    feeder.request();
    await feeder.idle();
    expect(local.drained).toBe(true);

    // Stored without a NOTIFY: a request finds the queue drained and does not claim.
    await setup.insert(5);
    feeder.request();
    await feeder.idle();
    expect(local.buffer.size).toBe(0);

    // Another node's announcement (the EnqueueAnnouncer's statement) wakes it.
    await setup.store.notifyEnqueued(['default']);
    await claimed.promise;
    await feeder.idle();
    expect(local.buffer.size).toBe(5);
    expect(await lockedByNode()).toBe(5);
  });

  it('claims a limited queue only up to the worker slots free now', async () => {
    const config = testConfig({ queue: { queues: [{ id: 'keyed', maxPerKey: 100 }] } });
    const limits = new QueueLimits(config.queue.queues);
    await setup.insert(10, { queue: 'keyed', concurrencyKey: 'customer-1' });
    const asked: number[] = [];
    const store: EngineStore = {
      ...setup.store,
      claimLimited: (options) => {
        asked.push(options.limit);
        return setup.store.claimLimited(options);
      },
    };
    const queues = new LocalQueues({
      settings: config.queue.queues,
      maxBufferSize: BUFFER,
      starvationEvery: config.queue.starvationEvery,
      pollIntervalMs: 3_600_000,
    });
    const { feeder } = buildFeeder({ store, queues, limits, freeSlots: () => 3 });

    feeder.request();
    await feeder.idle();

    // A claimed task of a limited queue holds its key's slot: none may wait in a buffer.
    expect(asked).toEqual([3]);
    expect(queues.get('keyed').buffer.size).toBe(3);
    expect(await lockedByNode()).toBe(3);
  });
});
