import type { Pool } from 'pg';
import type { LeasedTask } from '../model/task.js';
import {
  type ExpiredLease,
  type ExtendedLease,
  expireLeases,
  extendLease,
  findLeases,
  type LeaseHolder,
  listWorkers,
  touchWorkers,
  type WorkerRow,
} from './lease-store.js';
import {
  heartbeat,
  markNodeStopped,
  type RescuedTask,
  registerNode,
  releaseClaims,
  rescueStaleNodes,
} from './node-store.js';
import { type QueueState, readQueueStates } from './queue-states.js';
import { databaseNow } from './schedule-store.js';
import { claimLeases } from './sql/claim-leases.js';
import { type ClaimResult, claimPickedTasks, claimTasks } from './sql/claim-tasks.js';
import { type InsertResult, insertTasks, notifyEnqueued, type TaskInsert } from './sql/insert-tasks.js';
import { activeForKey, pickLimited, rateWindowOf } from './sql/pick-limited.js';
import {
  attachChildren,
  type DependencyEdge,
  existingTasks,
  holderKey,
  keyHolders,
  lockExistingTasks,
  storeEdges,
} from './sql/task-dependencies.js';
import type { OutcomeWrite } from './sql/write-outcomes.js';
import { writeOutcomes } from './sql/write-outcomes.js';
import { inTransaction, type Queryable } from './transaction.js';

export type { ExpiredLease, ExtendedLease, LeaseHolder, WorkerRow } from './lease-store.js';
export type { RescuedTask } from './node-store.js';
export type { QueueState } from './queue-states.js';
export type { ClaimResult } from './sql/claim-tasks.js';
export type { InsertResult, TaskInsert } from './sql/insert-tasks.js';
export type { DependencyEdge } from './sql/task-dependencies.js';
export type { OutcomeWrite } from './sql/write-outcomes.js';
/** The key `keyHolders` answers by, for one (queue, dedupe key). */
export { holderKey };

type ClaimOptions = Parameters<typeof claimTasks>[1];
type LimitedOptions = Omit<Parameters<typeof pickLimited>[1], 'types'>;
type LeaseOptions = Parameters<typeof claimLeases>[1];

/**
 * Every statement the engine's services run, in one interface (River's driver is the model): the
 * feeder, worker pool, result loop, lease keeper and the HTTP worker protocol take an EngineStore
 * instead of importing SQL, so a test builds one service alone over the real store, or over the
 * real store wrapped to observe or hold one statement. The SQL itself stays in db/sql/ and the
 * stores beside it; this only names the round trips.
 *
 * A statement that may join a caller's transaction takes `db` (a client inside BEGIN); the
 * pool otherwise. The limited claims run their own transaction (pick, book and claim must commit
 * together), so a caller never holds one open across the seam.
 */
export interface EngineStore {
  // Enqueue
  /** One INSERT of the batch (see insertTasks); `claimedBy` takes the rows marked `claimed`. */
  insertTasks(options: {
    tasks: readonly TaskInsert[];
    createdBy: string | null;
    claimedBy?: string | null;
    notify?: boolean;
    db?: Queryable;
    /** The insert's time (Clock.sqlNow()); the database clock when null or absent. */
    now?: Date | null;
  }): Promise<InsertResult>;
  /** NOTIFY every node that these queues have new work, in a statement of its own. */
  notifyEnqueued(queues: readonly string[]): Promise<void>;

  // Workflows (always inside the caller's transaction)
  lockExistingTasks(db: Queryable, ids: readonly string[]): Promise<Set<string>>;
  existingTasks(db: Queryable, ids: readonly string[]): Promise<Set<string>>;
  /** The task holding each (queue, key), by `holderKey(queue, key)`. */
  keyHolders(
    db: Queryable,
    keys: ReadonlyArray<{ queue: string; key: string }>,
  ): Promise<Map<string, string>>;
  attachChildren(db: Queryable, edges: readonly DependencyEdge[]): ReturnType<typeof attachChildren>;
  storeEdges(
    db: Queryable,
    edges: readonly DependencyEdge[],
    options: { attachAtCommit: boolean },
  ): Promise<void>;

  // This node's claims
  /** Claims ready tasks of a queue without flow limits (SKIP LOCKED, dispatch order). */
  claimTasks(options: ClaimOptions): Promise<ClaimResult>;
  /**
   * The claim of a queue with flow limits: picks and books (pickLimited) and claims the picks,
   * in one transaction that rolls back when this node was declared dead (no slot spent).
   */
  claimLimited(
    options: LimitedOptions & { nodeId: string },
  ): Promise<ClaimResult & { rateLimitedForMs: number | null }>;

  // HTTP workers' leases
  claimLeases(options: Omit<LeaseOptions, 'ids'>): Promise<LeasedTask[]>;
  /** A limited queue's lease claim: booked (pickLimited), then leased, in one transaction. */
  leaseLimited(
    options: Omit<LeaseOptions, 'ids' | 'byPriority' | 'oldest'> & LimitedOptions,
  ): Promise<LeasedTask[]>;
  findLeases(options: Parameters<typeof findLeases>[1]): Promise<Map<string, LeaseHolder>>;
  extendLease(options: Parameters<typeof extendLease>[1]): Promise<ExtendedLease | undefined>;
  expireLeases(options: Parameters<typeof expireLeases>[1]): Promise<ExpiredLease[]>;
  touchWorkers(names: readonly string[], now?: Date | null): Promise<void>;
  listWorkers(options: Parameters<typeof listWorkers>[1]): Promise<WorkerRow[]>;

  // Outcomes
  /** One fenced batch of state changes (see writeOutcomes); a retry's backoff counts from `now`. */
  writeOutcomes(
    nodeId: string | null,
    writes: readonly OutcomeWrite[],
    now?: Date | null,
  ): Promise<Set<string>>;

  // Nodes
  registerNode(nodeId: string, now?: Date | null): Promise<void>;
  /** False when another node already declared this one dead. */
  heartbeat(nodeId: string, now?: Date | null): Promise<boolean>;
  rescueStaleNodes(options: Parameters<typeof rescueStaleNodes>[1]): Promise<RescuedTask[]>;
  /** Gives back claimed, unstarted tasks (all of the node's, or `ids`); returns how many. */
  releaseClaims(nodeId: string, ids?: readonly string[]): Promise<number>;
  markNodeStopped(nodeId: string, now?: Date | null): Promise<void>;

  // Flow limits and the shared clock. Every `now` above and here is Clock.sqlNow(): null (the
  // system clock) leaves the statement on the database's now().
  queueStates(): Promise<Map<string, QueueState>>;
  rateWindowOf(queue: string, now?: Date | null): ReturnType<typeof rateWindowOf>;
  activeForKey(options: { queue: string; key: string }): Promise<number>;
  /** The database clock: what "is it due" is decided by for every node. */
  databaseNow(): Promise<Date>;
}

/**
 * The EngineStore over one pool. A plain object of closures, so a test can wrap it by spreading:
 * `{ ...store, writeOutcomes: (…) => held.then(() => store.writeOutcomes(…)) }`.
 */
export function createEngineStore(pool: Pool): EngineStore {
  return {
    insertTasks: ({ tasks, createdBy, claimedBy, notify, db, now }) =>
      insertTasks(db ?? pool, tasks, createdBy, claimedBy ?? null, {
        ...(notify === undefined ? {} : { notify }),
        now: now ?? null,
      }),
    notifyEnqueued: (queues) => notifyEnqueued(pool, queues),

    lockExistingTasks,
    existingTasks,
    keyHolders,
    attachChildren,
    storeEdges,

    claimTasks: (options) => claimTasks(pool, options),
    claimLimited: async ({ nodeId, ...options }) => {
      try {
        return await inTransaction(pool, async (client) => {
          const picked = await pickLimited(client, options);
          const claimed = await claimPickedTasks(client, {
            ids: picked.ids,
            nodeId,
            now: options.now ?? null,
          });
          // Declared dead: roll back the booking too, so no slot is spent on a claim that took nothing.
          if (!claimed.alive) throw new ClaimRefused();
          return { ...claimed, rateLimitedForMs: picked.rateLimitedForMs };
        });
      } catch (error) {
        if (error instanceof ClaimRefused) return { alive: false, tasks: [], rateLimitedForMs: null };
        throw error;
      }
    },

    claimLeases: (options) => claimLeases(pool, options),
    leaseLimited: ({ queue, limit, limits, types, ...lease }) =>
      inTransaction(pool, async (client) => {
        const { ids } = await pickLimited(client, { queue, limit, limits, types, now: lease.now ?? null });
        if (ids.length === 0) return [];
        return claimLeases(client, { ...lease, ids, queue, types, byPriority: 0, oldest: 0 });
      }),
    findLeases: (options) => findLeases(pool, options),
    extendLease: (options) => extendLease(pool, options),
    expireLeases: (options) => expireLeases(pool, options),
    touchWorkers: (names, now) => touchWorkers(pool, names, now ?? null),
    listWorkers: (options) => listWorkers(pool, options),

    writeOutcomes: (nodeId, writes, now) => writeOutcomes(pool, nodeId, writes, now ?? null),

    registerNode: (nodeId, now) => registerNode(pool, nodeId, now ?? null),
    heartbeat: (nodeId, now) => heartbeat(pool, nodeId, now ?? null),
    rescueStaleNodes: (options) => rescueStaleNodes(pool, options),
    releaseClaims: (nodeId, ids) => releaseClaims(pool, nodeId, ids),
    markNodeStopped: (nodeId, now) => markNodeStopped(pool, nodeId, now ?? null),

    queueStates: () => readQueueStates(pool),
    rateWindowOf: (queue, now) => rateWindowOf(pool, queue, now ?? null),
    activeForKey: (options) => activeForKey(pool, options),
    databaseNow: () => databaseNow(pool),
  };
}

class ClaimRefused extends Error {}
