import type { Engine } from '../engine/engine.js';
import { EngineError } from '../engine/types.js';
import type { Task } from '../model/task.js';

const FINAL_STATUSES = new Set(['succeeded', 'dead', 'cancelled']);
const FINAL_EVENTS = new Set(['succeeded', 'dead', 'cancelled']);

/**
 * Resolves with the task once it is succeeded, dead or cancelled. Woken by this node's events;
 * a task another node finishes is seen at the next poll (every `pollMs`). Rejects with
 * EngineError task_not_found when the task does not exist (a rolled-back enqueue), or after
 * `timeoutMs`.
 */
export function waitForTask(options: {
  engine: Engine;
  id: string;
  pollMs: number;
  timeoutMs: number;
}): Promise<Task> {
  const { engine, id } = options;
  return new Promise<Task>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      clearInterval(poll);
      clearTimeout(timer);
      outcome();
    };
    const check = () =>
      engine.getTask(id).then(
        (task) => {
          if (!task) finish(() => reject(new EngineError('task_not_found', `task ${id} does not exist`)));
          else if (FINAL_STATUSES.has(task.status)) finish(() => resolve(task));
        },
        (error: unknown) => finish(() => reject(error)),
      );
    // Subscribed before the first read, so an outcome between the two cannot be missed.
    const unsubscribe = engine.events.subscribe((events) => {
      if (events.some((event) => event.taskId === id && FINAL_EVENTS.has(event.kind))) void check();
    });
    const poll = setInterval(() => void check(), options.pollMs);
    const timer = setTimeout(
      () => finish(() => reject(new Error(`task ${id} did not finish within ${options.timeoutMs} ms`))),
      options.timeoutMs,
    );
    void check();
  });
}
