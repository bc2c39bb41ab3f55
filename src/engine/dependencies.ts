import type pg from 'pg';
import { type DependencyEdge, type EngineStore, holderKey, type TaskInsert } from '../db/engine-store.js';
import { inSavepoint, inTransaction, NotInTransaction, type Queryable } from '../db/transaction.js';
import type { NewTask, TaskStatus } from '../model/task.js';
import { MAX_PARENTS } from '../task-limits.js';
import { EngineError } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** PostgreSQL's deadlock and serialization failures: the transaction may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** A task's parents as given in dependsOn, checked and split by kind (duplicates dropped). */
export interface ParentRefs {
  indexes: number[];
  ids: string[];
}

/**
 * Checks one task's dependsOn against the rules of a batch: an index names an earlier task of
 * the same request (so a batch can never hold a cycle: an existing task cannot wait for one
 * that does not exist yet), an id is a task id, at most MAX_PARENTS entries.
 */
export function checkParents(
  task: NewTask,
  index: number,
  issue: (path: string, message: string) => void,
): ParentRefs | undefined {
  if (task.dependsOn === undefined) {
    if (task.onParentFailure !== undefined) issue('onParentFailure', 'onParentFailure needs dependsOn');
    return undefined;
  }
  if (task.dependsOn.length === 0) {
    issue('dependsOn', 'dependsOn must list at least one parent (or be left out)');
    return undefined;
  }
  if (task.dependsOn.length > MAX_PARENTS) {
    issue('dependsOn', `dependsOn may list at most ${MAX_PARENTS} parents`);
    return undefined;
  }
  const refs: ParentRefs = { indexes: [], ids: [] };
  task.dependsOn.forEach((parent, position) => {
    if (typeof parent === 'number') {
      if (!Number.isInteger(parent) || parent < 0) {
        issue(`dependsOn.${position}`, 'an index must be a whole number from 0');
      } else if (parent === index) {
        issue(`dependsOn.${position}`, `task ${index} cannot depend on itself (a cycle)`);
      } else if (parent > index) {
        issue(
          `dependsOn.${position}`,
          `index ${parent} points forward: a task may depend only on earlier tasks of the request (this is task ${index}), so a cycle cannot form`,
        );
      } else if (!refs.indexes.includes(parent)) refs.indexes.push(parent);
    } else if (typeof parent === 'string' && UUID.test(parent)) {
      const id = parent.toLowerCase();
      if (!refs.ids.includes(id)) refs.ids.push(id);
    } else {
      issue(`dependsOn.${position}`, 'each entry is a task id (uuid) or the index of an earlier task');
    }
  });
  return refs;
}

/**
 * Stores a batch that holds a workflow, in one transaction: the parents named by id are locked
 * (an unknown id rejects the batch), the tasks inserted (children as blocked), the edges stored
 * and attached, so a child whose parents already succeeded is queued at once and one whose
 * parent is already dead follows its onParentFailure. A child of a deduplicated task of the
 * batch waits for the task that holds that key. Returns the inserted ids and each child's status.
 *
 * With `client` (inside the caller's open transaction) the same happens in a savepoint of that
 * transaction, except that no existing task is locked or changed: the edges are stored to be
 * attached when the caller commits (a deferred trigger, see `storeEdges`), so every child is
 * `blocked` until then. A failure rolls back to the savepoint: the caller's transaction holds
 * nothing of the batch and stays usable.
 */
export async function insertWorkflow(options: {
  pool: pg.Pool;
  engineStore: EngineStore;
  client?: Queryable;
  tasks: ReadonlyArray<TaskInsert & { parents?: ParentRefs }>;
  createdBy: string | null;
  /** The insert's time (Clock.sqlNow()); the database clock when null or absent. */
  now?: Date | null;
}): Promise<{ inserted: Set<string>; statuses: Map<string, TaskStatus> }> {
  const { client, tasks, createdBy, engineStore } = options;
  const now = options.now ?? null;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!client) {
        return await inTransaction(options.pool, (db) =>
          storeWorkflow({ db, engineStore, tasks, createdBy, attachAtCommit: false, now }),
        );
      }
      return await inSavepoint(client, (db) =>
        storeWorkflow({ db, engineStore, tasks, createdBy, attachAtCommit: true, now }),
      );
    } catch (error) {
      if (error instanceof NotInTransaction) {
        throw new EngineError(
          'validation_failed',
          `a workflow (dependsOn) enqueued with \`client\` needs that client inside a transaction: ${error.message}`,
        );
      }
      const code = (error as { code?: unknown }).code;
      if (attempt >= ATTEMPTS || typeof code !== 'string' || !RETRYABLE_SQLSTATES.has(code)) throw error;
    }
  }
}

async function storeWorkflow(options: {
  db: Queryable;
  engineStore: EngineStore;
  tasks: ReadonlyArray<TaskInsert & { parents?: ParentRefs }>;
  createdBy: string | null;
  attachAtCommit: boolean;
  now: Date | null;
}): Promise<{ inserted: Set<string>; statuses: Map<string, TaskStatus> }> {
  const { db, engineStore: store, tasks, attachAtCommit } = options;
  const namedIds = [...new Set(tasks.flatMap((task) => task.parents?.ids ?? []))];
  const found = attachAtCommit
    ? await store.existingTasks(db, namedIds)
    : await store.lockExistingTasks(db, namedIds);
  const unknown = tasks.flatMap((task, index) =>
    (task.parents?.ids ?? [])
      .filter((id) => !found.has(id))
      .map((id) => ({ index, path: 'dependsOn', message: `no task with id ${id}` })),
  );
  if (unknown.length > 0) {
    throw new EngineError(
      'validation_failed',
      `${unknown.length} problem(s) in the batch; nothing was stored`,
      unknown,
    );
  }
  const inserted = (await store.insertTasks({ db, tasks, createdBy: options.createdBy, now: options.now }))
    .ids;
  const duplicates = new Set<number>();
  for (const task of tasks) {
    for (const parent of task.parents?.indexes ?? []) {
      if (!inserted.has(tasks[parent]!.id)) duplicates.add(parent);
    }
  }
  const holders = await store.keyHolders(
    db,
    [...duplicates].map((index) => ({
      queue: tasks[index]!.queue,
      key: tasks[index]!.dedupeKey ?? '',
    })),
  );
  const edges: DependencyEdge[] = [];
  for (const task of tasks) {
    if (!task.parents || !inserted.has(task.id)) continue;
    for (const id of task.parents.ids) edges.push({ parentId: id, childId: task.id });
    for (const index of task.parents.indexes) {
      const parent = tasks[index]!;
      const parentId = inserted.has(parent.id)
        ? parent.id
        : holders.get(holderKey(parent.queue, parent.dedupeKey ?? ''));
      if (!parentId) {
        throw new EngineError(
          'invalid_state',
          `the task holding key "${parent.dedupeKey}" in queue ${parent.queue} (the parent at index ${index}) ended while this batch was stored; send the batch again`,
        );
      }
      edges.push({ parentId, childId: task.id });
    }
  }
  if (edges.length === 0) return { inserted, statuses: new Map() };
  if (!attachAtCommit) return { inserted, statuses: await store.attachChildren(db, edges) };
  await store.storeEdges(db, edges, { attachAtCommit: true });
  return { inserted, statuses: new Map(edges.map((edge) => [edge.childId, 'blocked' as const])) };
}
