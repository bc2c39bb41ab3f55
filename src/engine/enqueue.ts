import type { Pool } from 'pg';
import { type InsertResult, insertTasks, type TaskInsert } from '../db/sql/insert-tasks.js';
import type { TaskStore } from '../db/task-store.js';
import type { Queryable } from '../db/transaction.js';
import { uuidv7 } from '../db/uuid-v7.js';
import { durationHintOf, type TaskLifecycleEvent } from '../events/task-event.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { checkParents, insertWorkflow, type ParentRefs } from './dependencies.js';
import {
  type EngineConfig,
  EngineError,
  type EnqueueResult,
  MAX_CONCURRENCY_KEY_LENGTH,
  MAX_UNIQUE_FOR_MS,
  type NewTask,
} from './types.js';

export interface ValidationIssue {
  index: number;
  path: string;
  message: string;
}

export interface PreparedTask extends TaskInsert {
  /** The payload as its schema parsed it (what payloadJson holds). */
  payload: unknown;
  /** Sleep-style duration from the payload, for the seed UIs' events. */
  durationHint?: number;
  /** dependsOn, checked: the task is stored blocked until they resolve. */
  parents?: ParentRefs;
}

const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;
const MAX_KEY_LENGTH = 512;

/**
 * Checks a whole batch before anything is stored (known type, payload schema, priority range,
 * queue name, storable strings) and resolves every default. Any bad item rejects the batch with
 * every problem listed by index and field.
 */
export function prepareBatch(
  tasks: readonly NewTask[],
  options: { registry: TaskRegistry; config: EngineConfig },
): PreparedTask[] {
  const { registry, config } = options;
  const issues: ValidationIssue[] = [];
  const prepared: PreparedTask[] = [];
  tasks.forEach((task, index) => {
    const issue = (path: string, message: string) => issues.push({ index, path, message });
    const handler = registry.get(task.type);
    if (!handler) {
      issue(
        'taskType',
        `unknown task type "${String(task.type).slice(0, 100)}"; known types: ${registry.types().join(', ')}`,
      );
      return;
    }
    const parsed = handler.payloadSchema.safeParse(task.payload ?? {});
    if (!parsed.success) {
      for (const problem of parsed.error.issues) {
        issue(['payload', ...problem.path.map(String)].join('.'), problem.message);
      }
    }
    const priority = task.priority ?? 0;
    if (
      !Number.isInteger(priority) ||
      priority < config.queue.minPriority ||
      priority > config.queue.maxPriority
    ) {
      issue(
        'priority',
        `priority must be a whole number from ${config.queue.minPriority} to ${config.queue.maxPriority}`,
      );
    }
    const queue = task.queue ?? handler.external?.queue ?? 'default';
    if (!QUEUE_NAME.test(queue)) issue('queue', 'queue names are 1-64 letters, digits, "_", "." or "-"');
    else if (handler.external && queue !== handler.external.queue) {
      issue('queue', `${task.type} is an external type; its tasks go to queue "${handler.external.queue}"`);
    } else if (!handler.external && registry.externalQueues().has(queue)) {
      issue(
        'queue',
        `queue "${queue}" holds external types only; no node here would run ${task.type} from it`,
      );
    }
    if (
      task.dedupeKey !== undefined &&
      (task.dedupeKey.length === 0 || task.dedupeKey.length > MAX_KEY_LENGTH)
    ) {
      issue('key', `key must be 1-${MAX_KEY_LENGTH} characters`);
    }
    if (
      task.maxRetries !== undefined &&
      (!Number.isInteger(task.maxRetries) || task.maxRetries < 0 || task.maxRetries > 1000)
    ) {
      issue('maxRetries', 'maxRetries must be a whole number from 0 to 1000');
    }
    for (const [field, value] of [
      ['backOffDuration', task.backoffMs],
      ['timeout', task.timeoutMs],
      ['delay', task.delayMs],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 2_147_483_647)) {
        issue(field, `${field} must be a duration from 0 to about 24 days`);
      }
    }
    const payload = parsed.success ? parsed.data : task.payload;
    const payloadJson = JSON.stringify(payload ?? {});
    // JSON.stringify writes NUL and lone surrogates as escapes; PostgreSQL's jsonb refuses both.
    if (UNSTORABLE_ESCAPE.test(payloadJson)) {
      issue('payload', 'strings must not contain NUL (\\u0000) characters or lone surrogates');
    }
    if (
      task.dedupeKey !== undefined &&
      (task.dedupeKey.includes('\u0000') || !task.dedupeKey.isWellFormed())
    ) {
      issue('key', 'key must not contain NUL (\\u0000) characters or lone surrogates');
    }
    if (
      task.concurrencyKey !== undefined &&
      (task.concurrencyKey.length === 0 ||
        task.concurrencyKey.length > MAX_CONCURRENCY_KEY_LENGTH ||
        task.concurrencyKey.includes('\u0000') ||
        !task.concurrencyKey.isWellFormed())
    ) {
      issue(
        'concurrencyKey',
        `concurrencyKey must be 1-${MAX_CONCURRENCY_KEY_LENGTH} characters, without NUL or lone surrogates`,
      );
    }
    const parents = checkParents(task, index, issue);
    if (task.uniqueForMs !== undefined) {
      if (task.dedupeKey === undefined) issue('uniqueFor', 'uniqueFor needs a key (the key it keeps taken)');
      if (
        !Number.isInteger(task.uniqueForMs) ||
        task.uniqueForMs <= 0 ||
        task.uniqueForMs > MAX_UNIQUE_FOR_MS
      ) {
        issue('uniqueFor', 'uniqueFor must be a duration from 1ms to 366 days');
      }
    }
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
      queue,
      type: task.type,
      priority,
      payload,
      payloadJson,
      claimed: false,
      maxAttempts: maxRetries + 1,
      backoffMs: task.backoffMs ?? handler.defaults?.backoffMs ?? config.queue.defaultBackOff,
      timeoutMs: task.timeoutMs ?? handler.defaults?.timeoutMs ?? null,
      runAt: task.runAt ?? null,
      delayMs: task.delayMs ?? 0,
      dedupeKey: task.dedupeKey ?? null,
      concurrencyKey: task.concurrencyKey ?? null,
      ...(task.uniqueForMs !== undefined ? { uniqueForMs: task.uniqueForMs } : {}),
      durationHint: durationHintOf(payload),
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
}): Promise<{
  result: EnqueueResult;
  events: TaskLifecycleEvent[];
  claimed: PreparedTask[];
  /** This node asked to claim at insert but had been declared dead: it must rejoin. */
  claimRefused: boolean;
}> {
  const { config } = options;
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
    await options.store.countInsertsAsDeltas(client);
  }
  const claimIds = workflow || client ? undefined : options.claim?.(prepared);
  if (claimIds) for (const task of prepared) task.claimed = claimIds.has(task.id);
  let statuses: ReadonlyMap<string, EnqueueResult['accepted'][number]['status']> = new Map();
  let inserted: InsertResult;
  if (workflow) {
    let ids: Set<string>;
    ({ inserted: ids, statuses } = await insertWorkflow({
      pool: options.pool,
      ...(client ? { client } : {}),
      tasks: prepared,
      createdBy: options.createdBy,
    }));
    inserted = { ids, claimedIds: new Set(), claimRefused: false };
  } else {
    inserted = await insertTasks(
      client ?? options.pool,
      prepared,
      options.createdBy,
      claimIds?.size ? options.nodeId : null,
      { notify: client !== undefined || (options.notifyInStatement ?? true) },
    );
  }
  const result: EnqueueResult = { accepted: [], duplicates: [] };
  const claimed: PreparedTask[] = [];
  const events: TaskLifecycleEvent[] = [];
  const at = new Date().toISOString();
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
    events.push({
      kind: 'enqueued',
      taskId: task.id,
      queue: task.queue,
      type: task.type,
      priority: task.priority,
      attempt: 0,
      at,
      nodeId: options.nodeId,
      key: task.dedupeKey ?? undefined,
      durationHint: task.durationHint,
    });
  });
  return { result, events, claimed, claimRefused: inserted.claimRefused };
}
