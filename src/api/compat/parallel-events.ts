import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { TokenConfig } from '../../config/schema.js';
import type { Engine } from '../../engine/engine.js';
import type { TaskEventKind, TaskLifecycleEvent } from '../../events/task-event.js';
import type { Logger } from '../../logger.js';
import { PARALLEL_QUEUE, type ParallelEntry, toParallelEntry } from './parallel-queue.js';
import { sleepDuration } from './pexecutor.js';

/** The seed's WebSocket messages, one per frame. */
export type ParallelMessage =
  | { scheduled: ParallelEntry[] }
  | { next: ParallelEntry }
  | { start: ParallelEntry }
  | { done: ParallelEntry };

/** Kinds that end an attempt a worker of this node was running. */
const ENDS_ATTEMPT = new Set<TaskEventKind>([
  'succeeded',
  'failed',
  'retrying',
  'dead',
  'cancelled',
  'retried',
  'snoozed',
]);

/** A client that has this much unsent data is too slow to follow; it is dropped, not buffered forever. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Derives the seed's events from the engine's batches for the `parallel` queue:
 * enqueued → `scheduled` (one message per enqueue batch); started → `start`; the end of a started
 * attempt → `done`. `next` is the head of the queue in run order (cluster-wide, read after each
 * batch that touched the queue); a task that starts without having been announced gets its
 * `next` just before its `start`, so every task is seen as scheduled → next → start → done.
 * Batches are handled one after another, so messages keep the engine's order.
 * Events come from this node's engine: tasks other nodes run appear in `next`, not in `start`/`done`.
 */
export class ParallelEventFeed {
  readonly #engine: Engine;
  readonly #log: Logger | undefined;
  readonly #listeners = new Set<(message: ParallelMessage) => void>();
  readonly #startedHere = new Map<string, ParallelEntry>();
  #announcedNext: string | undefined;
  #unsubscribe: (() => void) | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: { engine: Engine; log?: Logger }) {
    this.#engine = options.engine;
    this.#log = options.log;
  }

  /** Listens while anyone listens; the engine's bus is not subscribed with no clients. */
  subscribe(listener: (message: ParallelMessage) => void): () => void {
    this.#listeners.add(listener);
    this.#unsubscribe ??= this.#engine.events.subscribe((batch) => this.#onBatch(batch));
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#unsubscribe?.();
        this.#unsubscribe = undefined;
        this.#startedHere.clear();
        this.#announcedNext = undefined;
      }
    };
  }

  /** Resolves when every batch received so far has been turned into messages. */
  idle(): Promise<void> {
    return this.#chain;
  }

  #onBatch(batch: readonly TaskLifecycleEvent[]): void {
    const relevant = batch.filter((event) => event.queue === PARALLEL_QUEUE);
    if (relevant.length === 0) return;
    this.#chain = this.#chain
      .then(() => this.#handle(relevant))
      .catch((error: unknown) => this.#log?.warn({ err: error }, 'parallel queue events failed'));
  }

  async #handle(events: readonly TaskLifecycleEvent[]): Promise<void> {
    const scheduled = events.filter((event) => event.kind === 'enqueued' || event.kind === 'retried');
    const durations = await this.#durationsOf([
      ...scheduled,
      ...events.filter((event) => event.kind === 'started'),
    ]);
    const entryOf = (event: TaskLifecycleEvent): ParallelEntry => ({
      [event.key ?? event.taskId]: durations.get(event.taskId) ?? 0,
    });
    if (scheduled.length > 0) this.#send({ scheduled: scheduled.map(entryOf) });
    for (const event of events) {
      if (event.kind === 'started') {
        const entry = entryOf(event);
        if (this.#announcedNext !== event.taskId) this.#send({ next: entry });
        if (this.#announcedNext === event.taskId) this.#announcedNext = undefined;
        this.#startedHere.set(event.taskId, entry);
        this.#send({ start: entry });
      } else if (ENDS_ATTEMPT.has(event.kind)) {
        const entry = this.#startedHere.get(event.taskId);
        if (entry) {
          this.#startedHere.delete(event.taskId);
          this.#send({ done: entry });
        }
      }
    }
    const [head] = await this.#engine.pendingTasks({ queue: PARALLEL_QUEUE, limit: 1 });
    if (head && head.id !== this.#announcedNext && !this.#startedHere.has(head.id)) {
      this.#announcedNext = head.id;
      this.#send({ next: toParallelEntry(head) });
    }
  }

  /**
   * The Sleep durations the seed shows, from the tasks' payloads: events carry no payload, so the
   * tasks a batch schedules or starts are read in one statement.
   */
  async #durationsOf(events: readonly TaskLifecycleEvent[]): Promise<Map<string, number>> {
    if (events.length === 0) return new Map();
    const tasks = await this.#engine.getTasks([...new Set(events.map((event) => event.taskId))]);
    return new Map(tasks.map((task) => [task.id, sleepDuration(task.payload)]));
  }

  #send(message: ParallelMessage): void {
    for (const listener of this.#listeners) listener(message);
  }
}

export interface CompatWebSocket {
  /** Closes every client connection (call before closing the HTTP server: it waits for them). */
  close(): Promise<void>;
}

/**
 * Serves the parallel queue's `ws://host:port/ws` on the node HTTP server. Other upgrade paths are
 * left to other 'upgrade' listeners (or refused when there are none). With `api.authTokens` set, a
 * client must present a token as `Authorization: Bearer …` or, for browsers, `?token=…`.
 */
export function attachCompatWebSocket(
  server: Server,
  engine: Engine,
  options: { authTokens?: readonly TokenConfig[]; log?: Logger; path?: string } = {},
): CompatWebSocket {
  const path = options.path ?? '/ws';
  const tokens = (options.authTokens ?? []).map((token) => sha256(token.token));
  const feed = new ParallelEventFeed({ engine, log: options.log });
  const sockets = new WebSocketServer({ noServer: true });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    if (tokens.length > 0 && !authorized(request, url, tokens)) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="pgtask"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => serve(client));
  };

  const serve = (client: WebSocket) => {
    const unsubscribe = feed.subscribe((message) => {
      if (client.readyState !== client.OPEN) return;
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
        client.terminate();
        return;
      }
      client.send(JSON.stringify(message));
    });
    client.on('close', unsubscribe);
    client.on('error', () => client.terminate());
  };

  server.on('upgrade', onUpgrade);
  return {
    close: () =>
      new Promise<void>((done) => {
        server.off('upgrade', onUpgrade);
        for (const client of sockets.clients) client.terminate();
        sockets.close(() => done());
      }),
  };
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function authorized(request: IncomingMessage, url: URL, digests: readonly Buffer[]): boolean {
  const header = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const presented = header ?? url.searchParams.get('token');
  if (!presented) return false;
  const digest = sha256(presented);
  let found = false;
  for (const candidate of digests) if (timingSafeEqual(candidate, digest)) found = true;
  return found;
}
