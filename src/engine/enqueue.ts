import type { Pool } from 'pg';
import type { EngineStore, InsertResult, TaskInsert } from '../db/engine-store.js';
import type { TaskStore } from '../db/task-store.js';
import type { Queryable } from '../db/transaction.js';
import { uuidv7 } from '../db/uuid-v7.js';
import type { TaskLifecycleEvent } from '../events/task-event.js';
import { type Clock, systemClock } from '../model/clock.js';
import type { EnqueueResult, NewTask } from '../model/task.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { insertWorkflow, type ParentRefs } from './dependencies.js';
import { checkTask, type ValidationIssue } from './enqueue-rules.js';
import { taskEvent } from './lifecycle-event.js';
import { type EngineConfig, EngineError } from './types.js';

export type { ValidationIssue } from './enqueue-rules.js';

export interface PreparedTask extends TaskInsert {
  /** The payload as its schema parsed it (what payloadJson holds). */
  payload: unknown;
  /** dependsOn, checked: the task is stored blocked until they resolve. */
  parents?: ParentRefs;
}

/**
 * Checks a whole batch before anything is stored (the rules of enqueue-rules.ts) and resolves
 * every default. Any bad item rejects the batch with every problem listed by index and field.
 */
export function prepareBatch(
  tasks: readonly NewTask[],
  options: { registry: TaskRegistry; config: EngineConfig },
): PreparedTask[] {
  const { config } = options;
  const issues: ValidationIssue[] = [];
  const prepared: PreparedTask[] = [];
  tasks.forEach((task, index) => {
    const checked = checkTask(task, index, options, (path, message) => issues.push({ index, path, message }));
    if (!checked) return;
    const { handler, payload, parents } = checked;
    const maxRetries = task.maxRetries ?? handler.defaults?.maxRetries ?? config.queue.maxTaskRetry;
    prepared.push({
      ...(parents
        ? {
            parents,
            pendingParents: parents.indexes.length + parents.ids.length,
            onParentFailure: task.onParentFailure ?? 'cancel',
          }
        : {}),
      id: uuidv7(),
      queue: checked.queue,
      type: task.type,
      priority: task.priority ?? 0,
      payload,
      payloadJson: checked.payloadJson,
      claimed: false,
      maxAttempts: maxRetries + 1,
      backoffMs: task.backoffMs ?? handler.defaults?.backoffMs ?? config.queue.defaultBackOff,
      timeoutMs: task.timeoutMs ?? handler.defaults?.timeoutMs ?? null,
      runAt: task.runAt ?? null,
      delayMs: task.delayMs ?? 0,
      dedupeKey: task.dedupeKey ?? null,
      concurrencyKey: task.concurrencyKey ?? null,
      ...(task.uniqueForMs !== undefined ? { uniqueForMs: task.uniqueForMs } : {}),
    });
  });
  for (const task of prepared) {
    for (const parent of task.parents?.indexes ?? []) {
      const parentTask = prepared[parent];
      if (parentTask) parentTask.hasDependents = true;
    }
  }
  if (issues.length > 0) {
    throw new EngineError(
      'validation_failed',
      `${issues.length} problem(s) in the batch; nothing was stored`,
      issues,
    );
  }
  return prepared;
}

/**
 * The whole enqueue: validate, check the backlog limit, one INSERT (acknowledged after COMMIT),
 * and the `enqueued` events of the tasks that were not duplicates.
 */
export async function enqueueTasks(options: {
  tasks: readonly NewTask[];
  createdBy: string | null;
  pool: Pool;
  store: TaskStore;
  /** The INSERT (and a workflow's edges). */
  engineStore: EngineStore;
  registry: TaskRegistry;
  config: EngineConfig;
  nodeId: string;
  /**
   * A client inside the caller's open transaction: the INSERT joins it and nothing is claimed at
   * insert (the rows exist only if and when the caller commits).
   */
  client?: Queryable;
  /** Which tasks this node takes into its own buffer at insert (it has room for them). */
  claim?: (tasks: readonly PreparedTask[]) => ReadonlySet<string>;
  /**
   * False: the insert sends no NOTIFY and the caller announces the waiting queues after it
   * (a caller's transaction and a workflow always notify inside their own statements).
   */
  notifyInStatement?: boolean;
  /** created_at, a delay's run_at and the events' time (the system clock by default). */
  clock?: Clock;
}): Promise<{
  result: EnqueueResult;
  events: TaskLifecycleEvent[];
  claimed: PreparedTask[];
  /** This node asked to claim at insert but had been declared dead: it must rejoin. */
  claimRefused: boolean;
}> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const prepared = prepareBatch(options.tasks, options);
  const { maxBacklog } = config.api;
  if (maxBacklog > 0 && (await options.store.backlogAtLeast(maxBacklog)) >= maxBacklog) {
    throw new EngineError(
      'backlog_full',
      `the backlog limit of ${maxBacklog} waiting tasks is reached; retry later`,
    );
  }
  const { cipher } = options.store;
  // Sealed after validation, so schemas see plaintext and only ciphertext reaches the database.
  if (cipher) for (const task of prepared) task.payloadJson = cipher.seal(task.payloadJson);
  // A workflow is stored in a transaction of its own (or a savepoint of the caller's) and claimed
  // by the feeder, like any other task released later by its parents.
  const workflow = prepared.some((task) => task.parents);
  const { client } = options;
  if (client) {
    // Queue names are registered outside the caller's transaction: a new name inserted inside it
    // would make every other enqueuer of that queue wait on the caller's commit.
    await options.store.ensureQueues([...new Set(prepared.map((task) => task.queue))]);
  }
  const claimIds = workflow || client ? undefined : options.claim?.(prepared);
  if (claimIds) for (const task of prepared) task.claimed = claimIds.has(task.id);
  let statuses: ReadonlyMap<string, EnqueueResult['accepted'][number]['status']> = new Map();
  let inserted: InsertResult;
  if (workflow) {
    let ids: Set<string>;
    ({ inserted: ids, statuses } = await insertWorkflow({
      pool: options.pool,
      engineStore: options.engineStore,
      ...(client ? { client } : {}),
      tasks: prepared,
      createdBy: options.createdBy,
      now: clock.sqlNow(),
    }));
    inserted = { ids, claimedIds: new Set(), claimRefused: false };
  } else {
    inserted = await options.engineStore.insertTasks({
      tasks: prepared,
      createdBy: options.createdBy,
      claimedBy: claimIds?.size ? options.nodeId : null,
      notify: client !== undefined || (options.notifyInStatement ?? true),
      ...(client ? { db: client } : {}),
      now: clock.sqlNow(),
    });
  }
  const result: EnqueueResult = { accepted: [], duplicates: [] };
  const claimed: PreparedTask[] = [];
  const events: TaskLifecycleEvent[] = [];
  const at = new Date(clock.now()).toISOString();
  prepared.forEach((task, index) => {
    if (!inserted.ids.has(task.id)) {
      result.duplicates.push({ index, key: task.dedupeKey ?? '', queue: task.queue });
      return;
    }
    result.accepted.push({
      index,
      id: task.id,
      type: task.type,
      queue: task.queue,
      status: statuses.get(task.id) ?? 'queued',
    });
    if (inserted.claimedIds.has(task.id)) claimed.push(task);
    events.push(taskEvent(task, { kind: 'enqueued', attempt: 0, nodeId: options.nodeId, at }));
  });
  return { result, events, claimed, claimRefused: inserted.claimRefused };
}
