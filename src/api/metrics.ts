import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import type { TaskLifecycleEvent } from '../events/task-event.js';
import type { QueueSummary } from '../model/task.js';
import { workerMetrics } from './worker-metrics.js';

const RUN_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600];
const ENDED_KINDS = new Set(['succeeded', 'failed', 'retrying', 'dead']);

/**
 * Prometheus metrics of one app. Counters and histograms are fed from the engine's event batches
 * (no work per task beyond a label lookup); gauges are read when scraped. The queue depth needs
 * a query, so it is cached for `depthCacheMs` and concurrent scrapes share one query.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly #engine: Engine;
  readonly #depthCacheMs: number;
  readonly #now: () => number;
  #depth: { at: number; queues: QueueSummary[] } | undefined;
  #depthInFlight: Promise<QueueSummary[]> | undefined;
  readonly #unsubscribe: () => void;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  /** Bound series per method, route and status: prom-client's label handling stays off the request path. */
  readonly #httpSeries = new Map<string, { count(): void; observe(seconds: number): void }>();

  constructor(options: { engine: Engine; depthCacheMs?: number; now?: () => number }) {
    this.#engine = options.engine;
    this.#depthCacheMs = options.depthCacheMs ?? 5_000;
    this.#now = options.now ?? Date.now;
    const registers = [this.registry];

    const tasks = new Counter({
      name: 'pgtask_tasks_total',
      help: 'Task lifecycle events by queue, type and outcome (enqueued, started, succeeded, failed, retrying, dead, cancelled, retried, snoozed)',
      labelNames: ['queue', 'type', 'outcome'] as const,
      registers,
    });
    const runTime = new Histogram({
      name: 'pgtask_task_run_seconds',
      help: 'Run time of each finished attempt',
      labelNames: ['queue', 'type'] as const,
      buckets: RUN_BUCKETS,
      registers,
    });
    const waitTime = new Histogram({
      name: 'pgtask_task_wait_seconds',
      help: 'Time from enqueue (or due time) to start',
      labelNames: ['queue', 'type'] as const,
      buckets: WAIT_BUCKETS,
      registers,
    });
    // Bound per label set: every enqueued task passes here, and prom-client hashes labels per call.
    const taskSeries = new Map<string, { inc(): void }>();
    const countTask = (queue: string, type: string, outcome: string) => {
      const key = `${queue}\u0000${type}\u0000${outcome}`;
      let series = taskSeries.get(key);
      if (!series) {
        series = tasks.labels(queue, type, outcome);
        taskSeries.set(key, series);
      }
      series.inc();
    };
    const countWorkerEvent = workerMetrics(this.registry);
    this.#unsubscribe = this.#engine.events.subscribe((events: readonly TaskLifecycleEvent[]) => {
      for (const event of events) {
        countWorkerEvent(event);
        // Progress reports are not lifecycle outcomes: counting them would say nothing.
        if (event.kind === 'progress') continue;
        const labels = { queue: event.queue, type: event.type };
        countTask(event.queue, event.type, event.kind);
        if (event.durationMs !== undefined && ENDED_KINDS.has(event.kind))
          runTime.observe(labels, event.durationMs / 1000);
        if (event.waitMs !== undefined && event.kind === 'started')
          waitTime.observe(labels, event.waitMs / 1000);
      }
    });

    const engine = this.#engine;
    const statGauge = (name: string, help: string, read: (s: ReturnType<Engine['stats']>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(engine.stats()));
        },
      });
    statGauge('pgtask_pool_size', 'Tasks this node may run at once', (s) => s.poolSize);
    statGauge('pgtask_pool_running', 'Tasks running on this node now', (s) => s.running);
    statGauge('pgtask_pool_utilisation', 'Share of the worker pool in use (0-1)', (s) =>
      s.poolSize > 0 ? s.running / s.poolSize : 0,
    );
    statGauge('pgtask_buffer_tasks', 'Tasks claimed into this node’s in-memory buffer', (s) => s.buffered);
    statGauge('pgtask_buffer_capacity', 'Size of this node’s in-memory buffer', (s) => s.bufferCapacity);

    const metrics = this;
    new Gauge({
      name: 'pgtask_queue_depth',
      help: 'Tasks per queue and status (all nodes; cached for a few seconds)',
      labelNames: ['queue', 'status'] as const,
      registers,
      async collect() {
        this.reset();
        for (const queue of await metrics.queueSummaries()) {
          for (const [status, count] of Object.entries(queue.counts))
            this.set({ queue: queue.name, status }, count);
        }
      },
    });
    new Gauge({
      name: 'pgtask_queue_paused',
      help: '1 when the queue is paused',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        this.reset();
        for (const queue of await metrics.queueSummaries())
          this.set({ queue: queue.name }, queue.paused ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pgtask_queue_oldest_waiting_seconds',
      help: 'Age of the oldest due waiting task per queue',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        this.reset();
        for (const queue of await metrics.queueSummaries()) {
          this.set({ queue: queue.name }, (queue.oldestWaitingMs ?? 0) / 1000);
        }
      },
    });

    this.httpRequests = new Counter({
      name: 'pgtask_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'pgtask_http_request_seconds',
      help: 'HTTP request duration by method and route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
  }

  /** One answered request: its count and its duration. */
  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.#httpSeries.get(key);
    if (!series) {
      const counter = this.httpRequests.labels(method, route, String(status));
      const histogram = this.httpDuration.labels(method, route);
      series = { count: () => counter.inc(), observe: (value) => histogram.observe(value) };
      this.#httpSeries.set(key, series);
    }
    series.count();
    series.observe(seconds);
  }

  /** Queue summaries at most `depthCacheMs` old; one query however many scrapes arrive at once. */
  async queueSummaries(): Promise<QueueSummary[]> {
    const now = this.#now();
    if (this.#depth && now - this.#depth.at < this.#depthCacheMs) return this.#depth.queues;
    this.#depthInFlight ??= this.#engine
      .listQueues()
      .then((queues) => {
        this.#depth = { at: this.#now(), queues };
        return queues;
      })
      // A failed depth query must not fail the scrape: serve the last known depth (or none).
      .catch(() => this.#depth?.queues ?? [])
      .finally(() => {
        this.#depthInFlight = undefined;
      });
    return this.#depthInFlight;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.#unsubscribe();
  }
}
