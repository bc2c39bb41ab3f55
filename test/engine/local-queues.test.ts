import { describe, expect, it } from 'vitest';
import { LocalQueues } from '../../src/engine/local-queues.js';
import type { ClaimedTask } from '../../src/model/task.js';
import { testConfig } from '../support/engine.js';

function task(overrides: Partial<ClaimedTask> = {}): ClaimedTask {
  return {
    id: crypto.randomUUID(),
    queue: 'default',
    type: 'Noop',
    priority: 0,
    status: 'queued',
    payload: {},
    attempts: 0,
    maxAttempts: 3,
    backoffMs: 1000,
    timeoutMs: null,
    runAt: new Date(0),
    dedupeKey: null,
    ...overrides,
  };
}

function build(queues: Array<{ id: string; workers?: number; paused?: boolean }>, maxBufferSize = 100) {
  const config = testConfig({ queue: { queues } });
  return new LocalQueues({
    settings: config.queue.queues,
    maxBufferSize,
    starvationEvery: config.queue.starvationEvery,
    pollIntervalMs: config.queue.pollInterval,
  });
}

function fill(queues: LocalQueues, name: string, count: number, priority = 0): void {
  const local = queues.get(name);
  for (let i = 0; i < count; i++) {
    const value = task({ queue: name, priority });
    local.buffer.push({ id: value.id, priority, value });
  }
}

describe('local queues', () => {
  it.each([
    { case: 'an empty buffer has the whole node buffer', buffered: 0, reserved: 0, workers: 0, room: 100 },
    { case: 'tasks held count against it', buffered: 30, reserved: 0, workers: 0, room: 70 },
    {
      case: 'room promised to claims in flight counts too',
      buffered: 30,
      reserved: 20,
      workers: 0,
      room: 50,
    },
    { case: 'a queue with 3 workers holds at most 10', buffered: 0, reserved: 0, workers: 3, room: 10 },
    { case: 'a queue with 20 workers holds twice that', buffered: 5, reserved: 5, workers: 20, room: 30 },
  ])('room in a queue: $case', ({ buffered, reserved, workers, room }) => {
    const queues = build([{ id: 'q', workers }]);
    fill(queues, 'q', buffered);
    const local = queues.get('q');
    local.reserved = reserved;
    expect(queues.roomIn(local, 100)).toBe(room);
  });

  it('shares the node buffer: one full queue leaves the others only what is left', () => {
    const queues = build([{ id: 'a' }, { id: 'b' }], 50);
    fill(queues, 'a', 40);
    queues.get('b').reserved = 5;
    expect(queues.bufferedCount()).toBe(45);
    expect(queues.roomIn(queues.get('b'), 50)).toBe(5);
    expect(queues.roomIn(queues.get('a'), 50)).toBe(5);
  });

  it('dispatches from the queue whose next task has the highest priority, skipping paused and full ones', () => {
    const queues = build([{ id: 'low' }, { id: 'high', workers: 1 }, { id: 'paused', paused: true }]);
    fill(queues, 'low', 2, 1);
    fill(queues, 'high', 2, 5);
    fill(queues, 'paused', 2, 9);
    expect(queues.pickNext()?.name).toBe('high');

    // 'high' runs its one allowed task: the next dispatch goes to 'low' although 'high' waits.
    queues.get('high').running = 1;
    expect(queues.pickNext()?.name).toBe('low');

    queues.get('paused').paused = false;
    expect(queues.pickNext()?.name).toBe('paused');
  });

  it('finds nothing to dispatch when every buffer is empty or only holds tasks in backoff', () => {
    const queues = build([{ id: 'q' }]);
    expect(queues.pickNext()).toBeUndefined();
    const held = task({ queue: 'q', status: 'retrying' });
    queues.get('q').buffer.hold({ id: held.id, priority: 0, value: held }, 5_000);
    expect(queues.pickNext()).toBeUndefined();
    expect(queues.nextDueAt()).toBe(5_000);
  });
});
