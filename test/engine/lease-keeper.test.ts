import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStore, RescuedTask } from '../../src/db/engine-store.js';
import { startChange } from '../../src/engine/change-events.js';
import { LeaseKeeper } from '../../src/engine/lease-keeper.js';
import { testLog } from '../support/engine.js';
import { type StoreSetup, setupStore } from '../support/engine-parts.js';
import { ManualClock } from '../support/manual-clock.js';

const LEASE_MS = 1000;
const DEAD_NODE = 'node-that-stopped-heartbeating';

describe('the lease keeper', () => {
  let setup: StoreSetup;
  let running: { retried: string; spent: string };
  let claimed: string[];
  let clock: ManualClock;

  beforeEach(async () => {
    setup = await setupStore();
    // Another node claimed four tasks and started two of them (one on its last attempt), then died.
    await setup.store.registerNode(DEAD_NODE);
    const [retried, ...rest] = await setup.insert(3);
    const [spent] = await setup.insert(1, { maxAttempts: 1 });
    running = { retried: retried!, spent: spent! };
    claimed = rest;
    const { tasks } = await setup.store.claimTasks({
      queue: 'default',
      limit: 10,
      nodeId: DEAD_NODE,
      oldestShare: 0,
    });
    const startOf = (id: string) =>
      startChange({
        task: tasks.find((task) => task.id === id)!,
        attempt: 1,
        startedAt: new Date(),
        nodeId: DEAD_NODE,
        waitMs: 0,
      });
    await setup.store.writeOutcomes(DEAD_NODE, [startOf(running.retried), startOf(running.spent)]);
    await setup.db.pool.query(`update nodes set heartbeat_at = now() - interval '1 hour' where id = $1`, [
      DEAD_NODE,
    ]);
    // The keeper's own lease period is measured on its clock: moved by the test, never waited for.
    clock = new ManualClock();
  });

  afterEach(async () => {
    await setup.teardown();
  });

  function buildKeeper(store: EngineStore = setup.store) {
    const rescued: RescuedTask[] = [];
    let leaseLost = 0;
    const keeper = new LeaseKeeper({
      engineStore: store,
      nodeId: () => setup.nodeId,
      heartbeatMs: 3_600_000,
      leaseMs: LEASE_MS,
      log: testLog,
      onLeaseLost: () => {
        leaseLost++;
      },
      onRescued: (tasks) => rescued.push(...tasks),
      clock,
    });
    return { keeper, rescued, leaseLost: () => leaseLost };
  }

  function advance(ms: number): void {
    clock.advance(ms);
  }

  async function tasks() {
    const { rows } = await setup.db.pool.query<{
      id: string;
      status: string;
      attempts: number;
      locked_by: string | null;
      error: string | null;
    }>('select id, status, attempts, locked_by, error from tasks');
    return new Map(rows.map((row) => [row.id, row]));
  }

  it('rescues a stale node only once its own heartbeats have lasted a lease period', async () => {
    const { keeper, rescued } = buildKeeper();

    await keeper.runOnce();
    advance(LEASE_MS - 1);
    await keeper.runOnce();
    expect(rescued).toEqual([]);
    for (const task of (await tasks()).values()) expect(task.locked_by).toBe(DEAD_NODE);

    advance(1);
    await keeper.runOnce();

    const after = await tasks();
    // Running: the attempt failed as "worker lost"; it retries at once, or goes dead when spent.
    expect(after.get(running.retried)).toMatchObject({ status: 'retrying', attempts: 1, locked_by: null });
    expect(after.get(running.retried)?.error).toContain('worker lost');
    expect(after.get(running.spent)).toMatchObject({ status: 'dead', attempts: 1, locked_by: null });
    // Claimed but never started: back to waiting, untouched, for any node.
    for (const id of claimed)
      expect(after.get(id)).toMatchObject({ status: 'queued', attempts: 0, locked_by: null });
    expect(new Map(rescued.map((task) => [task.id, task.wasRunning]))).toEqual(
      new Map([[running.retried, true], [running.spent, true], ...claimed.map((id) => [id, false] as const)]),
    );
    const { rows: history } = await setup.db.pool.query<{ task_id: string; to_status: string }>(
      `select task_id, to_status from task_events where from_status = 'running' order by task_id`,
    );
    expect(new Set(history.map((row) => `${row.task_id}:${row.to_status}`))).toEqual(
      new Set([`${running.retried}:retrying`, `${running.spent}:dead`]),
    );
  });

  it('after a failed heartbeat (a database outage) waits a whole lease period again', async () => {
    let failNext = false;
    const store: EngineStore = {
      ...setup.store,
      heartbeat: (...args) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('connection refused'));
        }
        return setup.store.heartbeat(...args);
      },
    };
    const { keeper, rescued } = buildKeeper(store);

    await keeper.runOnce();
    advance(LEASE_MS);
    failNext = true;
    await keeper.runOnce();
    // Back: the period starts over from this heartbeat, whatever came before the outage.
    await keeper.runOnce();
    advance(LEASE_MS - 1);
    await keeper.runOnce();
    expect(rescued).toEqual([]);

    advance(1);
    await keeper.runOnce();
    expect(rescued).toHaveLength(4);
  });

  it('drops its own leases, rescuing nobody, when another node declared it dead', async () => {
    const { keeper, rescued, leaseLost } = buildKeeper();
    await setup.store.markNodeStopped(setup.nodeId);

    await keeper.runOnce();
    advance(LEASE_MS);
    await keeper.runOnce();

    expect(leaseLost()).toBe(2);
    expect(rescued).toEqual([]);
  });
});
