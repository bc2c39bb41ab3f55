import type pg from 'pg';

/** What the soak's client was told: only acknowledged requests count. */
export interface AckLog {
  /** Tasks the API answered 202 for, with the dedupe key they were sent with. */
  enqueued: Array<{ id: string; queue: string; key?: string }>;
  /** Dedupe keys the API answered as duplicates: a task with the key existed then. */
  duplicates: Array<{ queue: string; key: string }>;
  /** Tasks whose cancel answered 200. */
  cancels: string[];
  /** Tasks whose manual retry answered 200. */
  retries: string[];
}

export interface TaskRowState {
  id: string;
  queue: string;
  status: string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  dedupe_key: string | null;
}

export interface EventRowState {
  id: number;
  task_id: string;
  at: Date;
  from_status: string | null;
  to_status: string;
  attempt: number;
  node_id: string | null;
  error: string | null;
}

export interface NodeRowState {
  id: string;
  stopped_at: Date | null;
}

export interface SoakState {
  tasks: TaskRowState[];
  /** Every history row, in id order. */
  events: EventRowState[];
  nodes: NodeRowState[];
}

export interface CheckReport {
  violations: string[];
  tasksChecked: number;
  /** The longest a task stood still because its node died: from the lost attempt's start to the next start. */
  longestFaultWaitMs: number;
  finalStatuses: Record<string, number>;
}

const FINISHED = new Set(['succeeded', 'dead', 'cancelled']);

/** Status changes the engine and the API may make, from → to (null: the enqueue). */
const ALLOWED: Record<string, readonly string[]> = {
  null: ['queued'],
  queued: ['running', 'cancelled'],
  retrying: ['running', 'cancelled'],
  running: ['succeeded', 'retrying', 'dead', 'cancelled', 'queued'],
  dead: ['queued'],
  cancelled: ['queued'],
  succeeded: [],
};

/** A rescue's row: written by the rescuer on the dead node's behalf, after it was declared dead. */
function isRescue(event: EventRowState): boolean {
  return event.from_status === 'running' && (event.error ?? '').startsWith('worker lost');
}

/** A running task given back without spending its attempt: released at shutdown, or snoozed. */
function isRefund(event: EventRowState): boolean {
  const error = event.error ?? '';
  return (
    event.from_status === 'running' &&
    (event.to_status === 'queued' || event.to_status === 'retrying') &&
    (error.startsWith('released') || error.startsWith('snoozed'))
  );
}

/**
 * Proves, from the tables alone plus what the client was told, that nothing went wrong: every
 * acknowledged task exists and ended as its history says; none succeeded twice; every start was
 * made under a live lease; every history is a legal chain of status changes; nothing is left
 * locked or unfinished; acknowledged duplicates, cancels and retries all left their trace.
 */
export function checkSoak(state: SoakState, acks: AckLog): CheckReport {
  const violations: string[] = [];
  const fail = (message: string) => {
    if (violations.length < 200) violations.push(message);
  };
  const tasks = new Map(state.tasks.map((task) => [task.id, task]));
  const nodes = new Map(state.nodes.map((node) => [node.id, node]));
  const history = new Map<string, EventRowState[]>();
  for (const event of state.events) {
    const list = history.get(event.task_id) ?? [];
    list.push(event);
    history.set(event.task_id, list);
  }
  for (const list of history.values()) list.sort((a, b) => a.id - b.id);

  for (const ack of acks.enqueued) {
    if (!tasks.has(ack.id)) fail(`acknowledged task ${ack.id} is missing from tasks`);
  }
  const keys = new Set(state.tasks.map((task) => `${task.queue}/${task.dedupe_key}`));
  for (const duplicate of acks.duplicates) {
    if (!keys.has(`${duplicate.queue}/${duplicate.key}`)) {
      fail(`duplicate key ${duplicate.queue}/${duplicate.key} was acknowledged, but no task has that key`);
    }
  }

  let longestFaultWaitMs = 0;
  const finalStatuses: Record<string, number> = {};
  for (const task of state.tasks) {
    finalStatuses[task.status] = (finalStatuses[task.status] ?? 0) + 1;
    const events = history.get(task.id) ?? [];
    const where = `task ${task.id}`;
    if (!FINISHED.has(task.status)) fail(`${where} is left ${task.status}`);
    if (task.locked_by !== null) fail(`${where} is left locked by ${task.locked_by}`);
    if (events.length === 0) {
      fail(`${where} has no history`);
      continue;
    }
    let status: string | null = null;
    let attempts = 0;
    let succeeded = 0;
    let lostStartAt: Date | undefined;
    let lastStartAt: Date | undefined;
    const lostBy = new Set<string>();
    for (const event of events) {
      const at = `${where}, history row ${event.id} (${event.from_status ?? 'new'} → ${event.to_status})`;
      if (event.from_status !== status)
        fail(`${at}: the task was ${status ?? 'new'} then, not ${event.from_status}`);
      if (!(ALLOWED[String(event.from_status)] ?? []).includes(event.to_status))
        fail(`${at}: not a legal change`);
      if (event.node_id !== null && !event.node_id.startsWith('worker:') && !isRescue(event)) {
        if (!nodes.has(event.node_id))
          fail(`${at}: written by node ${event.node_id}, which never registered`);
        // Once a rescue took the task from a node, that node holds no lease on it any more.
        if (lostBy.has(event.node_id))
          fail(`${at}: written by node ${event.node_id} after its lease was rescued`);
      }
      if (event.to_status === 'running') {
        if (event.node_id === null) fail(`${at}: a start without a lease (no node)`);
        if (event.attempt !== attempts + 1)
          fail(`${at}: starts attempt ${event.attempt} after attempt ${attempts}`);
        attempts = event.attempt;
        if (lostStartAt) {
          longestFaultWaitMs = Math.max(longestFaultWaitMs, event.at.getTime() - lostStartAt.getTime());
          lostStartAt = undefined;
        }
        lastStartAt = event.at;
      } else if (event.from_status === 'running') {
        if (event.attempt !== attempts)
          fail(`${at}: ends attempt ${event.attempt} while attempt ${attempts} runs`);
        if (isRefund(event)) attempts = event.attempt - 1;
        if (isRescue(event)) {
          lostStartAt = lastStartAt;
          if (event.node_id) lostBy.add(event.node_id);
        }
      } else if (event.from_status === 'dead' || event.from_status === 'cancelled') {
        attempts = 0; // a manual retry: a fresh budget
      }
      if (event.to_status === 'succeeded') succeeded++;
      status = event.to_status;
    }
    if (succeeded > 1) fail(`${where} succeeded ${succeeded} times`);
    if (status !== task.status) fail(`${where} is ${task.status} but its history ends ${status}`);
    if (attempts !== task.attempts)
      fail(`${where} has attempts ${task.attempts} but its history counts ${attempts}`);
    if (task.status === 'dead' && task.attempts < task.max_attempts) {
      fail(`${where} is dead after ${task.attempts} of ${task.max_attempts} attempts`);
    }
  }

  const cancelled = countTransitions(history, (event) => event.to_status === 'cancelled');
  for (const [id, times] of tally(acks.cancels)) {
    if ((cancelled.get(id) ?? 0) < times)
      fail(`task ${id}: ${times} cancel(s) acknowledged, ${cancelled.get(id) ?? 0} in its history`);
  }
  const retried = countTransitions(
    history,
    (event) =>
      (event.from_status === 'dead' || event.from_status === 'cancelled') && event.to_status === 'queued',
  );
  for (const [id, times] of tally(acks.retries)) {
    if ((retried.get(id) ?? 0) < times)
      fail(`task ${id}: ${times} retr(ies) acknowledged, ${retried.get(id) ?? 0} in its history`);
  }
  return { violations, tasksChecked: state.tasks.length, longestFaultWaitMs, finalStatuses };
}

function tally(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

function countTransitions(
  history: Map<string, EventRowState[]>,
  matches: (event: EventRowState) => boolean,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [id, events] of history) counts.set(id, events.filter(matches).length);
  return counts;
}

/** Reads what the checker needs from the database. */
export async function readSoakState(pool: pg.Pool): Promise<SoakState> {
  const [tasks, events, nodes] = await Promise.all([
    pool.query<TaskRowState>(
      `select id, queue, status, attempts, max_attempts, locked_by, dedupe_key from tasks`,
    ),
    pool.query<EventRowState>(
      `select id::float8 as id, task_id, at, from_status, to_status, attempt, node_id, error from task_events order by id`,
    ),
    pool.query<NodeRowState>(`select id, stopped_at from nodes`),
  ]);
  return { tasks: tasks.rows, events: events.rows, nodes: nodes.rows };
}
