// What the page knows from the event stream: events per second (for the chart and the queues'
// throughput), the latest events, and the last status seen per task. Everything is bounded.

const HISTORY_SECONDS = 600;
const RECENT_EVENTS = 100;
const TRACKED_TASKS = 5000;
const FAILED_KINDS = new Set(['failed', 'retrying', 'dead']);

/** The status a task has after an event of this kind. */
export const STATUS_AFTER = {
  enqueued: 'queued',
  started: 'running',
  succeeded: 'succeeded',
  failed: 'retrying',
  retrying: 'retrying',
  dead: 'dead',
  cancelled: 'cancelled',
  retried: 'queued',
  snoozed: 'queued',
  progress: 'running',
  released: 'queued',
};

export const live = {
  nodeId: '',
  /** @type {Map<number, {succeeded: number, failed: number, queues: Record<string, {succeeded: number, failed: number}>}>} */
  perSecond: new Map(),
  /** @type {any[]} newest first */
  recent: [],
  /** @type {Map<string, {status: string, at: string, attempt: number}>} */
  statuses: new Map(),
  /** @type {Set<(frame: any) => void>} */
  listeners: new Set(),
};

/** @param {(frame: any) => void} listener @returns {() => void} */
export function onFrame(listener) {
  live.listeners.add(listener);
  return () => live.listeners.delete(listener);
}

/** @param {{nodeId: string, history: Array<{t: number, counts: Record<string, Record<string, number>>}>}} hello */
export function applyHello(hello) {
  live.nodeId = hello.nodeId;
  live.perSecond.clear();
  for (const { t, counts } of hello.history ?? []) addCounts(t, counts);
  for (const listener of live.listeners) listener({ counts: {}, events: [], omitted: 0, hello: true });
}

/** @param {{counts: Record<string, Record<string, number>>, events: any[], omitted: number}} frame */
export function applyFrame(frame) {
  addCounts(Math.floor(Date.now() / 1000), frame.counts);
  for (const event of frame.events) {
    const known = live.statuses.get(event.taskId);
    // Frames from several nodes can interleave; keep the latest change of each task.
    if (!known || known.at <= event.at) {
      live.statuses.delete(event.taskId);
      live.statuses.set(event.taskId, {
        status: STATUS_AFTER[event.kind],
        at: event.at,
        attempt: event.attempt,
      });
    }
  }
  while (live.statuses.size > TRACKED_TASKS) live.statuses.delete(live.statuses.keys().next().value);
  live.recent = [...frame.events.slice(-RECENT_EVENTS).reverse(), ...live.recent].slice(0, RECENT_EVENTS);
  for (const listener of live.listeners) listener(frame);
}

function addCounts(second, counts) {
  let bucket = live.perSecond.get(second);
  if (!bucket) {
    bucket = { succeeded: 0, failed: 0, queues: {} };
    live.perSecond.set(second, bucket);
    for (const t of live.perSecond.keys()) if (t <= second - HISTORY_SECONDS) live.perSecond.delete(t);
  }
  for (const [queue, perKind] of Object.entries(counts)) {
    const perQueue = bucket.queues[queue] ?? { succeeded: 0, failed: 0 };
    bucket.queues[queue] = perQueue;
    for (const [kind, n] of Object.entries(perKind)) {
      if (kind === 'succeeded') {
        bucket.succeeded += n;
        perQueue.succeeded += n;
      } else if (FAILED_KINDS.has(kind)) {
        bucket.failed += n;
        perQueue.failed += n;
      }
    }
  }
}

/** Completed and failed per second over the last `seconds` whole seconds, oldest first. */
export function series(seconds) {
  // The current second is still filling; drawing it would show a dip at the right edge.
  const now = Math.floor(Date.now() / 1000) - 1;
  const start = now - seconds + 1;
  const values = { succeeded: [], failed: [] };
  for (let t = start; t <= now; t++) {
    const bucket = live.perSecond.get(t);
    values.succeeded.push(bucket?.succeeded ?? 0);
    values.failed.push(bucket?.failed ?? 0);
  }
  return { start, values };
}

/** Finished tasks per second of one queue (or all), averaged over the last `seconds`. */
export function throughput(queue, seconds = 10) {
  const now = Math.floor(Date.now() / 1000);
  let total = 0;
  for (let t = now - seconds; t < now; t++) {
    const bucket = live.perSecond.get(t);
    if (!bucket) continue;
    if (queue === undefined) total += bucket.succeeded + bucket.failed;
    else total += (bucket.queues[queue]?.succeeded ?? 0) + (bucket.queues[queue]?.failed ?? 0);
  }
  return total / seconds;
}
