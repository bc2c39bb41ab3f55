import { openStored, type PayloadCipher } from '../db/payload-cipher.js';
import type { Logger } from '../logger.js';
import { type Clock, systemClock } from '../model/clock.js';
import type { ClaimedTask } from '../model/task.js';
import { MAX_DURATION_MS } from '../task-limits.js';
import type { TaskRegistry } from '../tasks/registry.js';
import {
  checkProgress,
  coerceError,
  PermanentError,
  type TaskContext,
  TaskTimeoutError,
} from '../tasks/task-handler.js';
import type { LocalQueue, LocalQueues } from './local-queues.js';
import { type AbortCause, decideOutcome, serializeResult } from './outcome.js';
import type { ResultLoop } from './result-loop.js';

/** Runs a thread handler's module in a worker thread (see thread-runner.ts). */
export interface ThreadExecutor {
  run(options: {
    moduleUrl: string;
    /** Which handler of the module: it may default-export several. */
    type: string;
    payload: unknown;
    ctx: { taskId: string; attempt: number; queue: string; parents?: Record<string, unknown> };
    signal: AbortSignal;
    timeoutMs?: number;
    /** The thread's handler called ctx.progress (already checked there). */
    onProgress?: (fraction: number, message: string | null) => void;
  }): Promise<unknown>;
}

interface RunningEntry {
  task: ClaimedTask;
  attempt: number;
  queue: LocalQueue;
  startedAt: Date;
  /** Made on first use: most quick handlers never look at their signal. */
  controller: AbortController | undefined;
  timer: NodeJS.Timeout | undefined;
  nodeId: string;
  settled: boolean;
}

/** Retries with a backoff up to this long stay in this node's buffer; longer ones go back to PostgreSQL. */
const HOLD_BACKOFF_MAX_MS = 10_000;

/**
 * The capped pool: at most `poolSize` tasks at once (and each queue's own limit), taken from the
 * local buffers by priority. Each task gets an AbortSignal and a timeout; when the timeout passes
 * the attempt fails and the slot is freed at once, whether or not the handler honours the signal.
 */
export class WorkerPool {
  readonly running = new Map<string, RunningEntry>();
  #stopping = false;
  #dueTimer: NodeJS.Timeout | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: {
      poolSize: number;
      queues: LocalQueues;
      registry: TaskRegistry;
      results: ResultLoop;
      log: Logger;
      nodeId: () => string;
      /** Handed to every handler as ctx.services. */
      services: unknown;
      threads?: ThreadExecutor;
      /** Set when payloads and results are encrypted at rest (security.encryptionKeys). */
      cipher?: PayloadCipher;
      defaultTimeoutMs: number;
      maxBufferSize: number;
      /** Called when the buffers run low, so the feeder claims more. */
      onLowBuffer: () => void;
      /** Whether a queue has flow limits: its retries go back to PostgreSQL, never held here. */
      isLimited?: (queue: string) => boolean;
      /** An outcome of a limited queue's task was written: its slot is free for a new claim. */
      onLimitedReleased?: (queue: string) => void;
      /** Start and finish times, and when a held retry is due (the system clock by default); timeouts stay on real timers. */
      clock?: Clock;
      /** The longest the due timer sleeps before it looks at the clock again (1 s by default). */
      recheckMs?: number;
    },
  ) {}

  get size(): number {
    return this.options.poolSize;
  }

  /** Starts as many buffered tasks as the limits allow. Cheap to call often. */
  pump(): void {
    if (this.#stopping) return;
    const now = this.#now();
    for (const queue of this.options.queues.all()) queue.buffer.promoteDue(now);
    while (this.running.size < this.options.poolSize) {
      const queue = this.options.queues.pickNext();
      if (!queue) break;
      const entry = queue.buffer.pop();
      if (!entry) break;
      this.#start(entry.value, queue);
    }
    this.#armDueTimer();
    if (this.options.queues.bufferedCount() < this.options.maxBufferSize / 2) this.options.onLowBuffer();
  }

  /** Aborts a running task (cancel, lease lost); true when it was running here. */
  abort(id: string, cause: AbortCause): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    this.#finish(entry, { cause, error: abortError(cause) });
    return true;
  }

  abortAll(cause: AbortCause): void {
    for (const entry of [...this.running.values()]) this.#finish(entry, { cause, error: abortError(cause) });
  }

  /** Stops dispatching; running tasks go on. */
  stopDispatching(): void {
    this.#stopping = true;
    clearTimeout(this.#dueTimer);
  }

  /** Resolves true once nothing runs, false when `timeoutMs` passes first. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.running.size === 0), timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #now(): number {
    return (this.options.clock ?? systemClock).now();
  }

  #armDueTimer(): void {
    clearTimeout(this.#dueTimer);
    const due = this.options.queues.nextDueAt();
    if (due === undefined) return;
    // The timer is real but the clock may move on its own (a test's clock, a stepped system
    // clock): look again at least every recheckMs. Node also fires a timer past 2^31-1 ms at once.
    const waitMs = Math.min(Math.max(0, due - this.#now()), this.options.recheckMs ?? 1000, MAX_DURATION_MS);
    this.#dueTimer = setTimeout(() => this.pump(), waitMs);
    this.#dueTimer.unref();
  }

  #start(task: ClaimedTask, queue: LocalQueue): void {
    const attempt = task.attempts + 1;
    const startedAt = new Date(this.#now());
    const entry: RunningEntry = {
      task,
      attempt,
      queue,
      startedAt,
      controller: undefined,
      timer: undefined,
      nodeId: this.options.nodeId(),
      settled: false,
    };
    this.running.set(task.id, entry);
    queue.running++;
    this.options.results.recordStart({
      task,
      attempt,
      startedAt,
      nodeId: entry.nodeId,
      waitMs: Math.max(0, startedAt.getTime() - task.runAt.getTime()),
    });
    try {
      // Claimed rows hold what is stored: with encryption on, the sealed payload. Opened once
      // here, so the handler, the running-task views and any retry held locally see plaintext.
      task.payload = openStored(this.options.cipher, task.payload, `payload of task ${task.id}`);
    } catch (error) {
      this.#finish(entry, { error: new PermanentError((error as Error).message) });
      return;
    }
    const handler = this.options.registry.get(task.type);
    if (!handler) {
      this.#finish(entry, {
        error: new PermanentError(`no handler is registered for task type ${task.type}`),
      });
      return;
    }
    const timeoutMs = task.timeoutMs ?? handler.defaults?.timeoutMs ?? this.options.defaultTimeoutMs;
    if (timeoutMs > 0) {
      entry.timer = setTimeout(
        () => this.#finish(entry, { cause: 'timeout', error: abortError('timeout', timeoutMs) }),
        timeoutMs,
      );
    }
    const parentLog = this.options.log;
    const results = this.options.results;
    const progress = (fraction: number, message: string | null) => {
      if (entry.settled) return;
      results.recordProgress({ task, attempt, nodeId: entry.nodeId, fraction, message });
    };
    let log: TaskContext['log'] | undefined;
    let running: Promise<unknown>;
    try {
      running =
        handler.thread && this.options.threads
          ? this.options.threads.run({
              moduleUrl: handler.thread.moduleUrl,
              type: handler.type,
              payload: task.payload,
              ctx: {
                taskId: task.id,
                attempt,
                queue: task.queue,
                ...(task.parents ? { parents: task.parents } : {}),
              },
              signal: signalOf(entry),
              timeoutMs,
              onProgress: progress,
            })
          : Promise.resolve(
              handler.run(task.payload as never, {
                taskId: task.id,
                queue: task.queue,
                attempt,
                get signal() {
                  return signalOf(entry);
                },
                // A child logger costs more than a no-op task (pino compiles its redaction per
                // child), so it is made only for handlers that log.
                get log() {
                  log ??= parentLog.child({ taskId: task.id, type: task.type, attempt });
                  return log;
                },
                services: this.options.services,
                parents: task.parents,
                progress(fraction, message) {
                  const checked = checkProgress(fraction, message);
                  progress(checked.fraction, checked.message);
                },
              }),
            );
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => this.#finish(entry, { result }),
      (error: unknown) => this.#finish(entry, { error: coerceError(error) }),
    );
  }

  #finish(entry: RunningEntry, outcome: { result?: unknown; error?: Error; cause?: AbortCause }): void {
    if (entry.settled) return;
    entry.settled = true;
    clearTimeout(entry.timer);
    // Made here if the handler never asked for it, so a late look at ctx.signal still sees the abort.
    if (outcome.cause) {
      entry.controller ??= new AbortController();
      entry.controller.abort(outcome.error);
    }
    this.running.delete(entry.task.id);
    entry.queue.running--;
    const finishedAt = new Date(this.#now());
    const { task, attempt } = entry;

    // A cancel already wrote its own state; a lost lease means the task belongs to someone else.
    if (outcome.cause === 'cancelled' || outcome.cause === 'lease_lost') {
      this.options.results.forgetProgress(task.id);
    } else {
      let error = outcome.error;
      let resultJson: string | null = null;
      if (!error) {
        const serialized = serializeResult(outcome.result);
        if (serialized instanceof Error) error = new PermanentError(serialized.message);
        else
          resultJson =
            this.options.cipher && serialized !== 'null' ? this.options.cipher.seal(serialized) : serialized;
      }
      const decision = decideOutcome({
        error,
        cause: outcome.cause === 'shutdown' ? 'shutdown' : undefined,
        attempt,
        maxAttempts: task.maxAttempts,
        backoffMs: task.backoffMs,
      });
      // A snooze goes back to PostgreSQL: its attempt is refunded, so the held copy would be wrong.
      const limited = this.options.isLimited?.(task.queue) ?? false;
      const keepLock =
        !limited &&
        decision.toStatus === 'retrying' &&
        !decision.refund &&
        decision.retryDelayMs <= HOLD_BACKOFF_MAX_MS &&
        !this.#stopping;
      if (error && decision.toStatus !== 'succeeded') {
        this.options.log.debug(
          { taskId: task.id, attempt, err: error, next: decision.toStatus },
          'task attempt failed',
        );
      }
      this.options.results.recordOutcome({
        task,
        attempt,
        toStatus: decision.toStatus,
        finishedAt,
        durationMs: finishedAt.getTime() - entry.startedAt.getTime(),
        resultJson,
        error: decision.error,
        retryDelayMs: decision.retryDelayMs,
        keepLock,
        refund: decision.refund,
        snoozed: decision.snoozed,
        nodeId: entry.nodeId,
        onWritten: keepLock
          ? () => this.#holdForRetry(entry, decision.retryDelayMs)
          : limited
            ? () => this.options.onLimitedReleased?.(task.queue)
            : undefined,
      });
    }
    if (this.running.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    this.pump();
  }

  /** The retry stays in this node's buffer, held aside until its backoff is over. */
  #holdForRetry(entry: RunningEntry, delayMs: number): void {
    if (this.#stopping || entry.nodeId !== this.options.nodeId()) return;
    const dueAt = this.#now() + delayMs;
    const task: ClaimedTask = {
      ...entry.task,
      status: 'retrying',
      attempts: entry.attempt,
      runAt: new Date(dueAt),
    };
    if (entry.queue.buffer.has(task.id)) return;
    entry.queue.buffer.hold({ id: task.id, priority: task.priority, value: task }, dueAt);
    this.#armDueTimer();
  }
}

function signalOf(entry: RunningEntry): AbortSignal {
  entry.controller ??= new AbortController();
  return entry.controller.signal;
}

function abortError(cause: AbortCause, timeoutMs?: number): Error {
  switch (cause) {
    case 'timeout':
      return new TaskTimeoutError(`the task ran past its timeout of ${timeoutMs} ms`);
    case 'cancelled':
      return new Error('the task was cancelled');
    case 'shutdown':
      return new Error('the node is shutting down');
    default:
      return new Error('this node lost its lease on the task');
  }
}
