import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { EVENTS_CHANNEL, notifyAll } from '../db/channels.js';
import type { EventBus } from '../events/event-bus.js';
import type { TaskEventKind, TaskLifecycleEvent } from '../events/task-event.js';
import type { Logger } from '../logger.js';
import { taskEvent } from './lifecycle-event.js';
import { Notifier } from './notifier.js';

/** The channel every node relays its lifecycle events on (see README, "Event stream"). */

/** PostgreSQL rejects NOTIFY payloads of 8000 bytes or more; leave room for the envelope. */
const MAX_PAYLOAD_BYTES = 7800;
const MAX_ERROR_CHARS = 300;

/** Events per queue and kind: the part of a window that is never sampled away. */
export type EventCounts = Record<string, Partial<Record<TaskEventKind, number>>>;

/**
 * One window of events from one node. `counts` covers every event of the window; `events` holds
 * all of them, or a sample of them when `omitted` > 0 (a burst of 50,000 tasks travels as counts).
 */
export interface ClusterBatch {
  nodeId: string;
  /** True for this node's own events. */
  local: boolean;
  events: TaskLifecycleEvent[];
  counts: EventCounts;
  omitted: number;
}

export type ClusterBatchListener = (batch: ClusterBatch) => void;

export interface EventRelayOptions {
  /** For the dedicated LISTEN connection. */
  url: string | pg.ClientConfig;
  /** Sends the NOTIFYs. */
  pool: pg.Pool;
  /** This node's events, as the engine publishes them. */
  local: EventBus;
  nodeId: () => string;
  log: Logger;
  /** How long events gather before one window is sent; default 150 ms. */
  windowMs?: number;
  /** Individual events sent per window; the rest travel as counts only. Default 300. */
  maxEventsPerWindow?: number;
}

export function countEvents(events: readonly TaskLifecycleEvent[], into: EventCounts = {}): EventCounts {
  for (const event of events) {
    const perKind = into[event.queue] ?? {};
    into[event.queue] = perKind;
    perKind[event.kind] = (perKind[event.kind] ?? 0) + 1;
  }
  return into;
}

export function mergeCounts(into: EventCounts, from: EventCounts): EventCounts {
  for (const [queue, perKind] of Object.entries(from)) {
    const target = into[queue] ?? {};
    into[queue] = target;
    for (const [kind, n] of Object.entries(perKind) as Array<[TaskEventKind, number]>) {
      target[kind] = (target[kind] ?? 0) + n;
    }
  }
  return into;
}

/**
 * Makes the event bus cluster-wide. This node's events are gathered for `windowMs` and sent with
 * one `pg_notify` round trip per window, as compact JSON chunks under the 8000-byte NOTIFY limit;
 * a window with more events than `maxEventsPerWindow` sends counts plus a capped sample, so the
 * number of notifications stays bounded under any load. Other nodes' windows arrive on a LISTEN
 * connection of its own (reconnecting) and are republished, with this node's events, to `cluster`
 * subscribers (the SSE route, the dashboard's throughput history).
 */
export class EventRelay {
  readonly history = new ThroughputHistory();
  readonly #options: EventRelayOptions;
  readonly #windowMs: number;
  readonly #maxEvents: number;
  /** Tells this relay's own notifications apart even if the engine's node id changes. */
  readonly #relayId = randomUUID();
  readonly #listeners = new Set<ClusterBatchListener>();
  readonly #listener: Notifier;
  #unsubscribe: (() => void) | undefined;
  #window: { events: TaskLifecycleEvent[]; counts: EventCounts; omitted: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #sequence = 0;
  #stopped = false;

  constructor(options: EventRelayOptions) {
    this.#options = options;
    this.#windowMs = options.windowMs ?? 150;
    this.#maxEvents = options.maxEventsPerWindow ?? 300;
    this.#listener = new Notifier({
      url: options.url,
      channels: [EVENTS_CHANNEL],
      log: options.log,
      onNotification: (_channel, payload) => this.#receive(payload),
      onReconnect: () => options.log.info('event relay listening again; events sent meanwhile were missed'),
    });
  }

  async start(): Promise<void> {
    this.#unsubscribe ??= this.#options.local.subscribe((events) => this.#onLocal(events));
    // A database that is down at start must not stop the engine: the listener keeps retrying.
    await this.#listener.start().catch(() => {});
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#flush();
    await this.#sending;
    clearTimeout(this.#timer);
    await this.#listener.close();
  }

  /** Every node's windows (this node's own events arrive at once, unwindowed). */
  subscribe(listener: ClusterBatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.#listeners.size;
  }

  #publish(batch: ClusterBatch): void {
    this.history.record(batch.counts);
    for (const listener of this.#listeners) {
      try {
        listener(batch);
      } catch (error) {
        this.#options.log.warn({ err: error }, 'cluster event listener failed');
      }
    }
  }

  #onLocal(events: readonly TaskLifecycleEvent[]): void {
    this.#publish({
      nodeId: this.#options.nodeId(),
      local: true,
      events: [...events],
      counts: countEvents(events),
      omitted: 0,
    });
    if (this.#stopped) return;
    const window = this.#window ?? { events: [], counts: {}, omitted: 0 };
    this.#window = window;
    countEvents(events, window.counts);
    const room = this.#maxEvents - window.events.length;
    if (room > 0) window.events.push(...events.slice(0, room));
    window.omitted += Math.max(0, events.length - Math.max(0, room));
    this.#timer ??= setTimeout(() => this.#flush(), this.#windowMs);
    this.#timer.unref?.();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const window = this.#window;
    this.#window = undefined;
    if (!window) return;
    const payloads = encodeWindow({
      relayId: this.#relayId,
      nodeId: this.#options.nodeId(),
      sequence: ++this.#sequence,
      ...window,
    });
    // Windows go out one after another, so a slow database delays the stream instead of piling
    // up concurrent NOTIFYs; a failed send loses that window (the stream is best-effort).
    this.#sending = this.#sending.then(() =>
      notifyAll(this.#options.pool, EVENTS_CHANNEL, payloads).then(
        () => undefined,
        (error: unknown) =>
          this.#options.log.warn(
            { error: (error as Error).message },
            'could not relay events to other nodes',
          ),
      ),
    );
  }

  #receive(payload: string): void {
    const decoded = decodeChunk(payload);
    if (!decoded || decoded.relayId === this.#relayId) return;
    this.#publish({ ...decoded.batch, local: false });
  }
}

/**
 * Wire format of one chunk (compact JSON, one NOTIFY each). The database's dependency trigger
 * sends chunks in this format too (relay and node id "database": a child released or cancelled by
 * its parents, see the publish_dependency_changes migration), so every node republishes them:
 * `{"r": relayId, "n": nodeId, "s": window sequence, "c"?: counts (first chunk only),
 *   "o"?: omitted (first chunk only), "e": [[kind, taskId, queue, type, priority, attempt, atMs,
 *   error?, durationMs?, key?, progress?, progressMessage?], …]}`.
 */
type WireEvent = [
  TaskEventKind,
  string,
  string,
  string,
  number,
  number,
  number,
  (string | null)?,
  (number | null)?,
  (string | null)?,
  (number | null)?,
  (string | null)?,
];

interface WireChunk {
  r: string;
  n: string;
  s: number;
  c?: EventCounts;
  o?: number;
  e: WireEvent[];
}

export function encodeWindow(window: {
  relayId: string;
  nodeId: string;
  sequence: number;
  events: readonly TaskLifecycleEvent[];
  counts: EventCounts;
  omitted: number;
}): string[] {
  const head = `{"r":${JSON.stringify(window.relayId)},"n":${JSON.stringify(window.nodeId)},"s":${window.sequence}`;
  const first = `${head},"c":${JSON.stringify(window.counts)},"o":${window.omitted},"e":[`;
  const rest = `${head},"e":[`;
  const chunks: string[] = [];
  let current = first;
  let currentBytes = Buffer.byteLength(current);
  let inCurrent = 0;
  for (const event of window.events) {
    const encoded = JSON.stringify(toWire(event));
    const bytes = Buffer.byteLength(encoded) + 1;
    if (inCurrent > 0 && currentBytes + bytes + 2 > MAX_PAYLOAD_BYTES) {
      chunks.push(`${current}]}`);
      current = rest;
      currentBytes = Buffer.byteLength(current);
      inCurrent = 0;
    }
    // A single event can never exceed the limit: its error text is cut to MAX_ERROR_CHARS.
    current += inCurrent === 0 ? encoded : `,${encoded}`;
    currentBytes += bytes;
    inCurrent++;
  }
  chunks.push(`${current}]}`);
  return chunks;
}

function toWire(event: TaskLifecycleEvent): WireEvent {
  const wire: WireEvent = [
    event.kind,
    event.taskId,
    event.queue,
    event.type,
    event.priority,
    event.attempt,
    Date.parse(event.at),
    event.error === undefined ? null : event.error.slice(0, MAX_ERROR_CHARS),
    event.durationMs ?? null,
    event.key ?? null,
    event.progress ?? null,
    event.progressMessage === undefined ? null : event.progressMessage.slice(0, MAX_ERROR_CHARS),
  ];
  while (wire.length > 7 && wire[wire.length - 1] === null) wire.pop();
  return wire;
}

export function decodeChunk(
  payload: string,
): { relayId: string; batch: Omit<ClusterBatch, 'local'> } | undefined {
  let chunk: WireChunk;
  try {
    chunk = JSON.parse(payload) as WireChunk;
  } catch {
    return undefined;
  }
  if (typeof chunk?.r !== 'string' || !Array.isArray(chunk.e)) return undefined;
  const events = chunk.e.map(
    ([
      kind,
      taskId,
      queue,
      type,
      priority,
      attempt,
      atMs,
      error,
      durationMs,
      key,
      progress,
      progressMessage,
    ]) =>
      taskEvent(
        { id: taskId, queue, type, priority, dedupeKey: key },
        {
          kind,
          attempt,
          at: new Date(atMs).toISOString(),
          nodeId: chunk.n,
          error,
          durationMs,
          progress,
          progressMessage,
        },
      ),
  );
  return {
    relayId: chunk.r,
    batch: {
      nodeId: chunk.n,
      events,
      // Chunks after the first carry events the first chunk's counts already include.
      counts: chunk.c ?? {},
      omitted: chunk.o ?? 0,
    },
  };
}

/**
 * Events per second over the last `seconds` seconds, cluster-wide, kept in memory so a page that
 * opens the stream draws its throughput chart at once instead of querying finished tasks.
 */
export class ThroughputHistory {
  readonly #seconds: number;
  readonly #buckets = new Map<number, EventCounts>();

  constructor(options: { seconds?: number; now?: () => number } = {}) {
    this.#seconds = options.seconds ?? 600;
    this.#now = options.now ?? Date.now;
  }

  readonly #now: () => number;

  record(counts: EventCounts): void {
    if (Object.keys(counts).length === 0) return;
    const second = Math.floor(this.#now() / 1000);
    const bucket = this.#buckets.get(second);
    if (bucket) mergeCounts(bucket, counts);
    else {
      this.#buckets.set(second, mergeCounts({}, counts));
      this.#prune(second);
    }
  }

  /** Non-empty seconds, oldest first: `[{t: epoch second, counts}]`. */
  snapshot(): Array<{ t: number; counts: EventCounts }> {
    this.#prune(Math.floor(this.#now() / 1000));
    return [...this.#buckets.entries()].sort(([a], [b]) => a - b).map(([t, counts]) => ({ t, counts }));
  }

  #prune(second: number): void {
    for (const t of this.#buckets.keys()) if (t <= second - this.#seconds) this.#buckets.delete(t);
  }
}
