import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import { createEngineStore, type EngineStore, type TaskInsert } from '../../src/db/engine-store.js';
import { uuidv7 } from '../../src/db/uuid-v7.js';
import type { ClaimedTask } from '../../src/model/task.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export { deferred } from './deferred.js';

/** One task ready to insert; override any column. */
export function makeTask(overrides: Partial<TaskInsert> = {}): TaskInsert {
  return {
    id: uuidv7(),
    queue: 'default',
    type: 'Noop',
    priority: 0,
    payloadJson: '{}',
    maxAttempts: 3,
    backoffMs: 1000,
    timeoutMs: null,
    runAt: null,
    delayMs: 0,
    dedupeKey: null,
    claimed: false,
    ...overrides,
  };
}

export interface StoreSetup {
  db: TestDatabase;
  /** The real store over the test database's pool. */
  store: EngineStore;
  /** A node registered in `nodes` (claims and outcome writes are fenced by a live node). */
  nodeId: string;
  /** Inserts `count` tasks (each made by `makeTask` with `overrides`), unclaimed. */
  insert(count: number, overrides?: Partial<TaskInsert>): Promise<string[]>;
  /** Claims up to `limit` of a queue's ready tasks for `nodeId`, as the feeder would. */
  claim(queue: string, limit: number): Promise<ClaimedTask[]>;
  teardown(): Promise<void>;
}

/** One service's test bench: its own database, the real EngineStore and a live node. */
export async function setupStore(): Promise<StoreSetup> {
  const db = await createTestDatabase();
  const store = createEngineStore(db.pool);
  const nodeId = `node-${randomUUID()}`;
  await store.registerNode(nodeId);
  return {
    db,
    store,
    nodeId,
    async insert(count, overrides = {}) {
      const tasks = Array.from({ length: count }, () => makeTask(overrides));
      const { ids } = await store.insertTasks({ tasks, createdBy: null, notify: false });
      return tasks.filter((task) => ids.has(task.id)).map((task) => task.id);
    },
    async claim(queue, limit) {
      const { tasks } = await store.claimTasks({ queue, limit, nodeId, oldestShare: 0 });
      return tasks;
    },
    teardown: () => db.drop(),
  };
}

/**
 * A StoreSetup of its own for each test of the calling describe block, torn down after the test
 * together with the services handed to `stopAfter` (a result loop's timers, say).
 */
export function storePerTest(): {
  readonly setup: StoreSetup;
  stopAfter<T extends { stop(): void }>(service: T): T;
} {
  let current: StoreSetup | undefined;
  const started: Array<{ stop(): void }> = [];
  beforeEach(async () => {
    current = await setupStore();
  });
  afterEach(async () => {
    for (const service of started.splice(0)) service.stop();
    await current?.teardown();
    current = undefined;
  });
  return {
    get setup() {
      if (!current) throw new Error('storePerTest: setup is there only inside a test');
      return current;
    },
    stopAfter(service) {
      started.push(service);
      return service;
    },
  };
}
