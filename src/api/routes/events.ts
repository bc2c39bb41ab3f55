import { z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { ClusterBatch, EventCounts, EventRelay } from '../../engine/event-relay.js';
import { mergeCounts } from '../../engine/event-relay.js';
import type { TaskLifecycleEvent } from '../../events/task-event.js';
import { errorResponses } from '../openapi.js';
import { createRouter } from '../validation.js';

export interface EventRouteOptions {
  relay: EventRelay;
  nodeId: () => string;
  /** One `tasks` frame per window at most; default 250 ms. */
  windowMs?: number;
  /** A `heartbeat` frame after this long without one; default 15 s. */
  heartbeatMs?: number;
  /** Individual events per frame; the rest are counted in `omitted`. Default 200. */
  maxEventsPerFrame?: number;
}

interface Frame {
  from: string;
  to: string;
  nodes: string[];
  counts: EventCounts;
  events: TaskLifecycleEvent[];
  omitted: number;
}

const DESCRIPTION = `Server-sent events, cluster-wide (every instance on the same database).

Frames:
- \`event: hello\` once, \`data: {"nodeId", "windowMs", "history": [{"t": epochSecond, "counts": {queue: {kind: n}}}]}\`:
  the last 10 minutes of events per second, for a throughput chart.
- \`event: tasks\`, at most one per window, \`data: {"from", "to", "nodes": [nodeId], "counts": {queue: {kind: n}},
  "events": [{kind, taskId, queue, type, priority, attempt, at, nodeId, error?, durationMs?, waitMs?, key?,
  progress?, progressMessage?}], "omitted": n}\`.
  \`counts\` covers every event of the window; \`events\` is capped, the rest are counted in \`omitted\`.
  Kinds: enqueued, started, succeeded, failed, retrying, dead, cancelled, retried, snoozed (the handler threw
  Snooze: waiting again, no attempt spent; \`error\` says "snoozed 30s") and progress (\`progress\` 0-1 and
  \`progressMessage\` from ctx.progress, at most one per task per second), and released (a workflow child left
  blocked for queued: its parents succeeded). A child released or cancelled by its parents is changed by the
  database's dependency trigger: those events (released, cancelled with \`error\` "parent <id> dead") carry
  \`nodeId\` "database".
- \`event: heartbeat\`, \`data: {"at"}\`, every 15 s.

\`?queue=name\` keeps one queue's events. With bearer auth on, send the Authorization header
(browsers: read the stream with fetch; EventSource cannot send headers).`;

/** GET /events: the cluster's task lifecycle events as batched SSE frames. */
export function eventRoutes(options: EventRouteOptions) {
  const { relay } = options;
  const windowMs = options.windowMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxEvents = options.maxEventsPerFrame ?? 200;
  const router = createRouter();

  router.openAPIRegistry.registerPath({
    method: 'get',
    path: '/events',
    operationId: 'streamEvents',
    tags: ['events'],
    summary: 'Task lifecycle events of every instance, batched, as server-sent events',
    description: DESCRIPTION,
    request: { query: z.object({ queue: z.string().optional() }) },
    responses: {
      200: {
        description: 'An endless text/event-stream',
        content: { 'text/event-stream': { schema: z.string() } },
      },
      ...errorResponses(),
    },
  });

  router.get('/events', (c) => {
    const queue = c.req.query('queue') || undefined;
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      let frame: Frame | undefined;
      let writing = false;
      let sequence = 0;
      let lastWriteAt = Date.now();

      const add = (batch: ClusterBatch) => {
        const events = queue ? batch.events.filter((event) => event.queue === queue) : batch.events;
        const counts = queue ? pick(batch.counts, queue) : batch.counts;
        if (events.length === 0 && Object.keys(counts).length === 0) return;
        const now = new Date().toISOString();
        frame ??= { from: now, to: now, nodes: [], counts: {}, events: [], omitted: 0 };
        frame.to = now;
        if (!frame.nodes.includes(batch.nodeId)) frame.nodes.push(batch.nodeId);
        mergeCounts(frame.counts, counts);
        const room = Math.max(0, maxEvents - frame.events.length);
        frame.events.push(...events.slice(0, room));
        frame.omitted += Math.max(0, events.length - room) + (queue ? 0 : batch.omitted);
      };

      const write = async (event: string, data: unknown) => {
        writing = true;
        try {
          await stream.writeSSE({ event, data: JSON.stringify(data), id: String(++sequence) });
          lastWriteAt = Date.now();
        } finally {
          writing = false;
        }
      };

      const unsubscribe = relay.subscribe(add);
      // A slow client gets fewer, fuller frames: while a write is pending the window keeps filling.
      const flushTimer = setInterval(() => {
        if (writing || !frame) return;
        const ready = frame;
        frame = undefined;
        write('tasks', ready).catch(() => {});
      }, windowMs);
      const heartbeatTimer = setInterval(
        () => {
          if (writing || Date.now() - lastWriteAt < heartbeatMs) return;
          write('heartbeat', { at: new Date().toISOString() }).catch(() => {});
        },
        Math.min(heartbeatMs, 1000),
      );
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      try {
        await write('hello', { nodeId: options.nodeId(), windowMs, history: relay.history.snapshot() });
        await closed;
      } finally {
        unsubscribe();
        clearInterval(flushTimer);
        clearInterval(heartbeatTimer);
      }
    });
  });

  return router;
}

function pick(counts: EventCounts, queue: string): EventCounts {
  const perKind = counts[queue];
  return perKind ? { [queue]: perKind } : {};
}
