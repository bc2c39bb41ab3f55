import type { ClaimedTask } from '../model/task.js';
import type { PreparedTask } from './enqueue.js';
import type { LocalQueue, LocalQueues } from './local-queues.js';

/** Which tasks of a batch being enqueued this node claims at insert, and the room it holds for them. */
export interface ClaimPlan {
  ids: Set<string>;
  reservations: Map<LocalQueue, number>;
}

/**
 * Picks the tasks of a batch this node takes straight into its buffers: due tasks of unpaused
 * queues, highest priority first, up to the room each buffer has. They skip the claim round trip
 * and start as soon as the INSERT commits. The room is reserved until `adoptClaims`, so the
 * feeder cannot fill it meanwhile.
 */
export function planClaims(options: {
  queues: LocalQueues;
  maxBufferSize: number;
  tasks: readonly PreparedTask[];
  isLimited: (queue: string) => boolean;
}): ClaimPlan {
  const plan: ClaimPlan = { ids: new Set(), reservations: new Map() };
  const byQueue = new Map<string, PreparedTask[]>();
  for (const task of options.tasks) {
    if (task.runAt !== null || task.delayMs > 0 || (task.concurrencyKey ?? null) !== null) continue;
    if (options.isLimited(task.queue)) continue;
    const list = byQueue.get(task.queue) ?? [];
    list.push(task);
    byQueue.set(task.queue, list);
  }
  for (const [name, candidates] of byQueue) {
    const queue = options.queues.get(name);
    if (queue.paused || queue.external) continue;
    const take = Math.min(options.queues.roomIn(queue, options.maxBufferSize), candidates.length);
    if (take <= 0) continue;
    // A stable sort keeps FIFO within a priority.
    for (const task of [...candidates].sort((a, b) => b.priority - a.priority).slice(0, take)) {
      plan.ids.add(task.id);
    }
    queue.reserved += take;
    plan.reservations.set(queue, take);
  }
  return plan;
}

/**
 * Ends a plan: gives back the reserved room and puts the tasks the INSERT stored (duplicates are
 * not among them) into their buffers. Returns how many it added.
 */
export function adoptClaims(options: {
  queues: LocalQueues;
  plan: ClaimPlan;
  tasks: readonly PreparedTask[];
}): number {
  for (const [queue, reserved] of options.plan.reservations) queue.reserved -= reserved;
  options.plan.reservations.clear();
  const now = new Date();
  let added = 0;
  for (const task of options.tasks) {
    const queue = options.queues.get(task.queue);
    if (queue.buffer.has(task.id)) continue;
    const claimed: ClaimedTask = {
      id: task.id,
      queue: task.queue,
      type: task.type,
      priority: task.priority,
      status: 'queued',
      payload: task.payload,
      attempts: 0,
      maxAttempts: task.maxAttempts,
      backoffMs: task.backoffMs,
      timeoutMs: task.timeoutMs,
      // The order a claim's rows are mapped in (toClaimedFields, then runAt): one shape for every
      // task in a buffer, whichever way it got there.
      dedupeKey: task.dedupeKey,
      runAt: now,
    };
    queue.buffer.push({ id: task.id, priority: task.priority, value: claimed });
    added++;
  }
  return added;
}
