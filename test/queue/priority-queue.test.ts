import { describe, expect, it } from 'vitest';
import { PriorityQueue, type QueueEntry } from '../../src/queue/priority-queue.js';

const entry = (id: string, priority: number): QueueEntry<string> => ({ id, priority, value: id });

/** A small deterministic PRNG so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function popAll<T>(queue: PriorityQueue<T>): string[] {
  const ids: string[] = [];
  for (let next = queue.pop(); next; next = queue.pop()) ids.push(next.id);
  return ids;
}

describe('PriorityQueue', () => {
  it.each([
    {
      name: 'higher priority first',
      pushes: [
        ['a', 0],
        ['b', 5],
        ['c', -3],
      ],
      order: ['b', 'a', 'c'],
    },
    {
      name: 'FIFO within a priority',
      pushes: [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
      order: ['a', 'b', 'c'],
    },
    {
      name: 'FIFO within each of several priorities',
      pushes: [
        ['a', 1],
        ['b', 2],
        ['c', 1],
        ['d', 2],
        ['e', 0],
      ],
      order: ['b', 'd', 'a', 'c', 'e'],
    },
    {
      name: 'negative priorities',
      pushes: [
        ['a', -1000],
        ['b', -1],
        ['c', 1000],
      ],
      order: ['c', 'b', 'a'],
    },
  ] as const)('$name', ({ pushes, order }) => {
    const queue = new PriorityQueue<string>();
    for (const [id, priority] of pushes) queue.push(entry(id, priority));
    expect(queue.readySize).toBe(pushes.length);
    expect(popAll(queue)).toEqual(order);
    expect(queue.size).toBe(0);
  });

  it('pops in (priority desc, arrival) order for random sequences of push, pop and remove', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = random(seed);
      const queue = new PriorityQueue<string>();
      const model: Array<{ id: string; priority: number; arrival: number }> = [];
      let arrival = 0;
      for (let step = 0; step < 300; step++) {
        const action = rand();
        if (action < 0.55) {
          const id = `t${arrival}`;
          const priority = Math.floor(rand() * 7) - 3;
          queue.push(entry(id, priority));
          model.push({ id, priority, arrival: arrival++ });
        } else if (action < 0.85) {
          model.sort((a, b) => b.priority - a.priority || a.arrival - b.arrival);
          const expected = model.shift();
          expect(queue.pop()?.id).toBe(expected?.id);
        } else if (model.length > 0) {
          const victim = model.splice(Math.floor(rand() * model.length), 1)[0]!;
          expect(queue.remove(victim.id)).toBe(true);
        }
        expect(queue.readySize).toBe(model.length);
      }
    }
  });

  it('holds tasks in backoff aside until due, then releases them in due order', () => {
    const queue = new PriorityQueue<string>();
    queue.hold(entry('late', 9), 300);
    queue.hold(entry('early', 1), 100);
    queue.push(entry('ready', 0));
    expect(queue.nextDueAt()).toBe(100);
    expect(queue.pop()?.id).toBe('ready');
    expect(queue.pop()).toBeUndefined();
    expect(queue.promoteDue(99)).toBe(0);
    expect(queue.promoteDue(100)).toBe(1);
    expect(queue.nextDueAt()).toBe(300);
    expect(queue.pop()?.id).toBe('early');
    queue.promoteDue(1000);
    expect(queue.pop()?.id).toBe('late');
    expect(queue.size).toBe(0);
  });

  it('drops an entry removed while held, even if the same id is held again later', () => {
    const queue = new PriorityQueue<string>();
    queue.hold(entry('a', 0), 100);
    expect(queue.remove('a')).toBe(true);
    expect(queue.has('a')).toBe(false);
    queue.hold(entry('a', 0), 500);
    expect(queue.nextDueAt()).toBe(500);
    expect(queue.promoteDue(200)).toBe(0);
    expect(queue.promoteDue(500)).toBe(1);
    expect(popAll(queue)).toEqual(['a']);
  });

  it('refuses an id that is already queued', () => {
    const queue = new PriorityQueue<string>();
    queue.push(entry('a', 0));
    expect(() => queue.push(entry('a', 1))).toThrow(/already queued/);
    expect(() => queue.hold(entry('a', 1), 10)).toThrow(/already queued/);
  });

  it('starts a low-priority task within a bounded number of dispatches under an endless stream of higher ones', () => {
    for (const every of [2, 5, 10]) {
      const queue = new PriorityQueue<string>({ starvationEvery: every });
      // Ten low ones wait behind a steady stream of high ones: two arrive per dispatch.
      for (let i = 0; i < 10; i++) queue.push(entry(`low${i}`, -100));
      let arrivals = 0;
      const startedAt = new Map<string, number>();
      for (let dispatch = 1; dispatch <= 2000 && startedAt.size < 10; dispatch++) {
        queue.push(entry(`high${arrivals++}`, 100));
        queue.push(entry(`high${arrivals++}`, 100));
        const next = queue.pop()!;
        if (next.id.startsWith('low')) startedAt.set(next.id, dispatch);
      }
      expect(startedAt.size).toBe(10);
      // The k-th low task (0-based) starts by dispatch (k + 1) × every at the latest.
      for (let k = 0; k < 10; k++) expect(startedAt.get(`low${k}`)!).toBeLessThanOrEqual((k + 1) * every);
    }
  });

  it('without the guard, a steady stream of higher priorities starves a low one', () => {
    const queue = new PriorityQueue<string>();
    queue.push(entry('low', -1));
    for (let dispatch = 0; dispatch < 500; dispatch++) {
      queue.push(entry(`high${dispatch}`, 1));
      expect(queue.pop()?.id).not.toBe('low');
    }
  });

  it('peek shows what pop returns, and drain empties everything', () => {
    const queue = new PriorityQueue<string>({ starvationEvery: 3 });
    for (let i = 0; i < 9; i++) queue.push(entry(`t${i}`, i % 3));
    queue.hold(entry('held', 5), 50);
    for (let i = 0; i < 4; i++) {
      const peeked = queue.peek()?.id;
      expect(queue.pop()?.id).toBe(peeked);
    }
    const rest = queue.drain().map((e) => e.id);
    expect(rest).toHaveLength(6);
    expect(rest).toContain('held');
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
    expect(queue.nextDueAt()).toBeUndefined();
  });

  it('keeps its priority index bounded when buckets empty out of order many times', () => {
    const queue = new PriorityQueue<string>({ starvationEvery: 2 });
    for (let round = 0; round < 10_000; round++) {
      queue.push(entry(`low${round}`, -5));
      queue.push(entry(`high${round}`, 5));
      queue.pop();
      queue.pop();
    }
    expect(queue.size).toBe(0);
    queue.push(entry('x', 1));
    expect(queue.pop()?.id).toBe('x');
  });
});
