import type { TaskStatus } from '../../model/task.js';
import type { Queryable } from '../transaction.js';

/** One edge of a workflow: `childId` waits for `parentId`. */
export interface DependencyEdge {
  parentId: string;
  childId: string;
}

/**
 * Which of `ids` exist, locked FOR SHARE (in id order, so two enqueues cannot deadlock) until the
 * transaction ends: a parent can neither end nor vanish while its new children are attached.
 */
export async function lockExistingTasks(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `select id from tasks where id = any($1::uuid[]) order by id for share`,
    [ids],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Which of `ids` exist, without locking them: for an enqueue inside a caller's transaction, whose
 * children are attached (and their parents locked) only at its commit (see `storeEdges`).
 */
export async function existingTasks(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(`select id from tasks where id = any($1::uuid[])`, [ids]);
  return new Set(rows.map((row) => row.id));
}

/**
 * The task holding each (queue, key) now: what a child of a deduplicated parent waits for. A task
 * that ended but holds its key for its unique window (uniqueFor) is that holder too, so the
 * child follows its outcome at once.
 */
export async function keyHolders(
  db: Queryable,
  keys: ReadonlyArray<{ queue: string; key: string }>,
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ queue: string; dedupe_key: string; id: string }>(
    `select t.queue, t.dedupe_key, t.id from tasks t
     join unnest($1::text[], $2::text[]) as k(queue, key) on t.queue = k.queue and t.dedupe_key = k.key
     where t.status in ('blocked', 'queued', 'running', 'retrying') or t.key_held_until is not null`,
    [keys.map((k) => k.queue), keys.map((k) => k.key)],
  );
  return new Map(rows.map((row) => [holderKey(row.queue, row.dedupe_key), row.id]));
}

export function holderKey(queue: string, key: string): string {
  return `${queue}\u0000${key}`;
}

/**
 * Stores the edges of children just inserted as `blocked`, then attaches them (see the
 * task-dependency migration): parents locked and marked, edges whose parent already ended
 * resolved at once. Returns each child's status after that: blocked, queued or cancelled.
 */
export async function attachChildren(
  db: Queryable,
  edges: readonly DependencyEdge[],
): Promise<Map<string, TaskStatus>> {
  const children = [...new Set(edges.map((edge) => edge.childId))];
  await storeEdges(db, edges, { attachAtCommit: false });
  // A statement of its own: its snapshot must see the edges and the locks taken so far.
  await db.query(`select pgtask_attach_children($1::uuid[])`, [children]);
  const statuses = await db.query<{ id: string; status: TaskStatus }>(
    `select id, status from tasks where id = any($1::uuid[])`,
    [children],
  );
  return new Map(statuses.rows.map((row) => [row.id, row.status]));
}

/**
 * Stores the edges of children just inserted as `blocked`. With `attachAtCommit` (an enqueue
 * inside a caller's transaction) nothing else happens now: a deferred trigger attaches the
 * children when that transaction commits, so no existing task is locked while it stays open.
 */
export async function storeEdges(
  db: Queryable,
  edges: readonly DependencyEdge[],
  options: { attachAtCommit: boolean },
): Promise<void> {
  await db.query(
    `insert into task_dependencies (parent_id, child_id, attach_at_commit)
     select parent_id, child_id, $3 from unnest($1::uuid[], $2::uuid[]) as e(parent_id, child_id)
     on conflict do nothing`,
    [edges.map((edge) => edge.parentId), edges.map((edge) => edge.childId), options.attachAtCommit],
  );
}

/** Locks a task's parents (FOR SHARE, id order) before its retry re-evaluates them. */
export async function lockParentsOf(db: Queryable, id: string): Promise<void> {
  await db.query(
    `select 1 from tasks where id in (select parent_id from task_dependencies where child_id = $1)
     order by id for share`,
    [id],
  );
}

/** Resolves what is already decided for children that are blocked with unresolved edges. */
export async function settleChildren(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query(`select pgtask_settle_dependents('{}', $1::uuid[])`, [ids]);
}

/** A task's parents with their status, and the ids of the tasks that depend on it. */
export async function dependenciesOf(
  db: Queryable,
  id: string,
): Promise<{ parents: Array<{ id: string; status: TaskStatus | null }>; children: string[] }> {
  const { rows } = await db.query<{
    parents: Array<{ id: string; status: TaskStatus | null }>;
    children: string[];
  }>(
    `select
       coalesce((select json_agg(json_build_object('id', d.parent_id, 'status', p.status) order by d.parent_id)
                 from task_dependencies d left join tasks p on p.id = d.parent_id
                 where d.child_id = $1), '[]') as parents,
       coalesce((select json_agg(d.child_id order by d.child_id)
                 from task_dependencies d where d.parent_id = $1), '[]') as children`,
    [id],
  );
  return rows[0] ?? { parents: [], children: [] };
}
