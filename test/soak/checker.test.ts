import { describe, expect, it } from 'vitest';
import { type AckLog, checkSoak, type EventRowState, type SoakState } from './checker.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const noAcks = (): AckLog => ({ enqueued: [], duplicates: [], cancels: [], retries: [] });

/** A small, correct end state: A ran t1 (succeeded) and t2 (dead after 2 attempts); B took over t3 when A died. */
function healthy(): SoakState {
  let id = 0;
  const event = (
    task: string,
    from: string | null,
    to: string,
    attempt: number,
    node: string | null,
    atMs: number,
    error: string | null = null,
  ): EventRowState => ({
    id: ++id,
    task_id: task,
    at: new Date(T0 + atMs),
    from_status: from,
    to_status: to,
    attempt,
    node_id: node,
    error,
  });
  return {
    tasks: [
      {
        id: 't1',
        queue: 'default',
        status: 'succeeded',
        attempts: 1,
        max_attempts: 3,
        locked_by: null,
        dedupe_key: 'k1',
      },
      {
        id: 't2',
        queue: 'default',
        status: 'dead',
        attempts: 2,
        max_attempts: 2,
        locked_by: null,
        dedupe_key: null,
      },
      {
        id: 't3',
        queue: 'default',
        status: 'succeeded',
        attempts: 2,
        max_attempts: 3,
        locked_by: null,
        dedupe_key: null,
      },
    ],
    events: [
      event('t1', null, 'queued', 0, null, 0),
      event('t2', null, 'queued', 0, null, 0),
      event('t3', null, 'queued', 0, null, 0),
      event('t1', 'queued', 'running', 1, 'A', 10),
      event('t1', 'running', 'succeeded', 1, 'A', 20),
      event('t2', 'queued', 'running', 1, 'A', 10),
      event('t2', 'running', 'retrying', 1, 'A', 20, 'planned failure'),
      event('t2', 'retrying', 'running', 2, 'A', 30),
      event('t2', 'running', 'dead', 2, 'A', 40, 'planned failure'),
      event('t3', 'queued', 'running', 1, 'A', 50),
      // A died at 100; B declared it dead at 3000 and rescued t3.
      event('t3', 'running', 'retrying', 1, 'A', 3000, 'worker lost: node A stopped heartbeating'),
      event('t3', 'retrying', 'running', 2, 'B', 3050),
      event('t3', 'running', 'succeeded', 2, 'B', 3100),
    ],
    nodes: [
      { id: 'A', stopped_at: new Date(T0 + 3000) },
      { id: 'B', stopped_at: null },
    ],
  };
}

function acksOf(state: SoakState): AckLog {
  return { ...noAcks(), enqueued: state.tasks.map((task) => ({ id: task.id, queue: task.queue })) };
}

describe('the soak checker', () => {
  it('passes a correct end state and measures the wait a fault caused', () => {
    const state = healthy();
    const report = checkSoak(state, { ...acksOf(state), duplicates: [{ queue: 'default', key: 'k1' }] });
    expect(report.violations).toEqual([]);
    expect(report.tasksChecked).toBe(3);
    expect(report.longestFaultWaitMs).toBe(3000);
    expect(report.finalStatuses).toEqual({ succeeded: 2, dead: 1 });
  });

  it('finds an acknowledged task that is missing', () => {
    const state = healthy();
    const acks = acksOf(state);
    acks.enqueued.push({ id: 'lost', queue: 'default' });
    expect(checkSoak(state, acks).violations).toEqual(['acknowledged task lost is missing from tasks']);
  });

  it('finds an acknowledged duplicate whose key no task has', () => {
    const state = healthy();
    const report = checkSoak(state, { ...acksOf(state), duplicates: [{ queue: 'default', key: 'nope' }] });
    expect(report.violations).toEqual([
      'duplicate key default/nope was acknowledged, but no task has that key',
    ]);
  });

  it('finds a task that succeeded twice', () => {
    const state = healthy();
    // B's completion of t3 written twice, as an unfenced late write would.
    state.events.push({ ...state.events.at(-1)!, id: 99 });
    const report = checkSoak(state, acksOf(state));
    expect(report.violations).toContain('task t3 succeeded 2 times');
  });

  it('finds a completion written without a lease (by a node whose lease was rescued)', () => {
    const state = healthy();
    const finish = state.events.at(-1)!;
    finish.node_id = 'A';
    const report = checkSoak(state, acksOf(state));
    expect(report.violations).toEqual([
      'task t3, history row 13 (running → succeeded): written by node A after its lease was rescued',
    ]);
  });

  it('finds a start without a node, and a start by a node that never registered', () => {
    const state = healthy();
    state.events[3]!.node_id = null;
    state.events[5]!.node_id = 'ghost';
    const report = checkSoak(state, acksOf(state));
    expect(report.violations).toEqual([
      'task t1, history row 4 (queued → running): a start without a lease (no node)',
      'task t2, history row 6 (queued → running): written by node ghost, which never registered',
    ]);
  });

  it('finds status changes out of order or illegal, and attempts that do not add up', () => {
    const state = healthy();
    state.events[4]!.from_status = 'queued'; // t1: running → succeeded recorded as queued → succeeded
    state.events[7]!.attempt = 3; // t2 starts attempt 3 after attempt 1
    const report = checkSoak(state, acksOf(state));
    expect(report.violations).toEqual(
      expect.arrayContaining([
        'task t1, history row 5 (queued → succeeded): the task was running then, not queued',
        'task t1, history row 5 (queued → succeeded): not a legal change',
        'task t2, history row 8 (retrying → running): starts attempt 3 after attempt 1',
      ]),
    );
  });

  it('finds a task left running or locked, and one whose row disagrees with its history', () => {
    const state = healthy();
    state.tasks[0]!.locked_by = 'A';
    state.tasks[2]!.status = 'running';
    const report = checkSoak(state, acksOf(state));
    expect(report.violations).toEqual([
      'task t1 is left locked by A',
      'task t3 is left running',
      'task t3 is running but its history ends succeeded',
    ]);
  });

  it('finds a dead task whose attempts were not spent, and a task with no history', () => {
    const state = healthy();
    state.tasks[1]!.max_attempts = 3;
    state.tasks.push({
      id: 't4',
      queue: 'default',
      status: 'succeeded',
      attempts: 1,
      max_attempts: 1,
      locked_by: null,
      dedupe_key: null,
    });
    const report = checkSoak(state, acksOf(state));
    expect(report.violations).toEqual(['task t2 is dead after 2 of 3 attempts', 'task t4 has no history']);
  });

  it('finds acknowledged cancels and retries that left no trace', () => {
    const state = healthy();
    const report = checkSoak(state, { ...acksOf(state), cancels: ['t1'], retries: ['t2'] });
    expect(report.violations).toEqual([
      'task t1: 1 cancel(s) acknowledged, 0 in its history',
      'task t2: 1 retr(ies) acknowledged, 0 in its history',
    ]);
  });

  it('follows refunds (released at shutdown) and manual retries through the attempt count', () => {
    const state = healthy();
    const t2 = state.tasks[1]!;
    let id = 100;
    const at = new Date(T0 + 5000);
    const add = (
      from: string,
      to: string,
      attempt: number,
      node: string | null,
      error: string | null = null,
    ) =>
      state.events.push({
        id: id++,
        task_id: 't2',
        at,
        from_status: from,
        to_status: to,
        attempt,
        node_id: node,
        error,
      });
    add('dead', 'queued', 0, null);
    add('queued', 'running', 1, 'B');
    add('running', 'queued', 1, 'B', 'released: the node shut down before the task finished');
    add('queued', 'running', 1, 'B');
    add('running', 'succeeded', 1, 'B');
    Object.assign(t2, { status: 'succeeded', attempts: 1 });
    const report = checkSoak(state, { ...acksOf(state), retries: ['t2'] });
    expect(report.violations).toEqual([]);
  });
});
