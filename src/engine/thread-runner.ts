import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import {
  coerceError,
  PermanentError,
  Snooze,
  type TaskLogger,
  TaskTimeoutError,
} from '../tasks/task-handler.js';

/** What the runner posts to a thread: one task to run. */
export interface ThreadRequest {
  moduleUrl: string;
  /** The task type: a module may default-export an array of handlers. */
  type?: string;
  payload: unknown;
  ctx: ThreadTaskContext;
}

/** What a thread posts back: log lines and progress while it runs, then exactly one result or error. */
export type ThreadReply =
  | { kind: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; obj: object | string; msg?: string }
  | { kind: 'progress'; fraction: number; message: string | null }
  | { kind: 'result'; value: unknown }
  /** `delay` is set when the handler threw Snooze. */
  | { kind: 'error'; name: string; message: string; stack?: string; delay?: string | number };

export interface ThreadTaskContext {
  taskId: string;
  attempt: number;
  queue: string;
  /** A workflow child's succeeded parents (ctx.parents), copied into the thread. */
  parents?: Record<string, unknown>;
}

export interface ThreadRunOptions {
  /**
   * The handler file's import.meta.url; its default export is the TaskHandler to run, or an
   * array of handlers, of which the one of `type` runs.
   */
  moduleUrl: string;
  type?: string;
  payload: unknown;
  ctx: ThreadTaskContext;
  /** Aborting terminates the thread running the task (and replaces it); the run rejects with the reason. */
  signal?: AbortSignal;
  /** Past this the thread is terminated and the run rejects with a TaskTimeoutError. */
  timeoutMs?: number;
  /** Where the handler's log lines go; defaults to a child of the runner's logger. */
  log?: TaskLogger;
  /** The handler called ctx.progress (checked inside the thread). */
  onProgress?: (fraction: number, message: string | null) => void;
}

export interface ThreadRunnerOptions {
  /** Number of threads, each running one task at a time. */
  size: number;
  log: Logger;
  /**
   * Nice value of each thread on Linux (0..19, default 10): CPU-bound tasks yield to the event
   * loop when cores are oversubscribed. 0 runs them at the process's priority.
   */
  niceness?: number;
}

interface Job {
  options: ThreadRunOptions;
  log: TaskLogger;
  resolve(value: unknown): void;
  reject(error: Error): void;
  settled: boolean;
  /** Removes the abort listener and the timeout timer. */
  cleanup(): void;
}

interface PooledThread {
  worker: Worker;
  job?: Job;
  /** Set once the runner has given up on this thread (terminated or exited). */
  retired: boolean;
}

/**
 * A small pool of reusable worker threads for CPU-bound handlers, so the event loop stays free
 * while they run. Threads start on demand up to `size`; runs beyond that wait in FIFO order. A
 * thread that is aborted, times out, crashes or exits is discarded and replaced on demand, so one
 * bad task never takes the pool down.
 */
export class ThreadRunner {
  readonly size: number;
  readonly #log: Logger;
  readonly #niceness: number;
  readonly #threads = new Set<PooledThread>();
  readonly #idle: PooledThread[] = [];
  readonly #waiting: Job[] = [];
  #closed = false;
  #spawned = 0;

  constructor(options: ThreadRunnerOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new Error(`a thread runner needs at least one thread (size ${options.size})`);
    }
    this.size = options.size;
    this.#log = options.log;
    this.#niceness = options.niceness ?? 10;
  }

  /** Threads running a task right now. */
  get busy(): number {
    return this.#threads.size - this.#idle.length;
  }

  /** Runs waiting for a free thread. */
  get waiting(): number {
    return this.#waiting.length;
  }

  run(options: ThreadRunOptions): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('the thread runner is closed'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<unknown>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => this.#abort(job, abortReason(signal!));
      const job: Job = {
        options,
        log: options.log ?? this.#log.child({ taskId: options.ctx.taskId, attempt: options.ctx.attempt }),
        settled: false,
        resolve,
        reject,
        cleanup: () => {
          signal?.removeEventListener('abort', onAbort);
          if (timer) clearTimeout(timer);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        // The timeout covers the run itself and the wait for a thread: it is the task's deadline.
        timer = setTimeout(
          () =>
            this.#abort(job, new TaskTimeoutError(`task ran past its timeout of ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      }
      this.#waiting.push(job);
      this.#dispatch();
    });
  }

  /** Terminates every thread; runs still waiting or running reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const closed = new Error('the thread runner is closed');
    for (const job of this.#waiting.splice(0)) this.#settle(job, closed);
    const exits: Promise<number>[] = [];
    for (const thread of this.#threads) {
      thread.retired = true;
      if (thread.job) this.#settle(thread.job, closed);
      exits.push(thread.worker.terminate());
    }
    this.#threads.clear();
    this.#idle.length = 0;
    await Promise.all(exits);
  }

  #dispatch(): void {
    while (this.#waiting.length > 0 && !this.#closed) {
      const thread = this.#idle.pop() ?? (this.#threads.size < this.size ? this.#spawn() : undefined);
      if (!thread) return;
      const job = this.#waiting.shift()!;
      thread.job = job;
      thread.worker.ref();
      const request: ThreadRequest = {
        moduleUrl: job.options.moduleUrl,
        type: job.options.type,
        payload: job.options.payload,
        ctx: {
          taskId: job.options.ctx.taskId,
          attempt: job.options.ctx.attempt,
          queue: job.options.ctx.queue,
          ...(job.options.ctx.parents ? { parents: job.options.ctx.parents } : {}),
        },
      };
      try {
        thread.worker.postMessage(request);
      } catch (error) {
        // A payload that cannot be cloned never reaches the thread, which stays usable.
        thread.job = undefined;
        this.#release(thread);
        this.#settle(
          job,
          new PermanentError(`the payload cannot be sent to a thread: ${coerceError(error).message}`),
        );
      }
    }
  }

  #spawn(): PooledThread {
    const { script, eval: isScript, execArgv } = workerEntry();
    const worker = new Worker(script, {
      eval: isScript,
      execArgv,
      name: `pgtask-thread-${++this.#spawned}`,
      workerData: { niceness: this.#niceness },
    });
    const thread: PooledThread = { worker, retired: false };
    this.#threads.add(thread);
    worker.on('message', (reply: ThreadReply) => this.#onReply(thread, reply));
    worker.on('error', (thrown: unknown) => {
      // An uncaught exception or unhandled rejection inside the thread (any value, not only an
      // Error); 'exit' follows.
      if (thread.job)
        this.#settle(thread.job, new Error(`worker thread crashed: ${coerceError(thrown).message}`));
    });
    worker.on('exit', (code) => {
      if (thread.job) {
        this.#settle(
          thread.job,
          new Error(
            `worker thread exited with code ${code} while running task ${thread.job.options.ctx.taskId}`,
          ),
        );
      }
      this.#retire(thread);
      this.#dispatch();
    });
    return thread;
  }

  #onReply(thread: PooledThread, reply: ThreadReply): void {
    const job = thread.job;
    if (!job || thread.retired) return;
    if (reply.kind === 'log') {
      if (typeof reply.obj === 'string') job.log[reply.level](reply.obj);
      else job.log[reply.level](reply.obj, reply.msg);
      return;
    }
    if (reply.kind === 'progress') {
      if (!job.settled) job.options.onProgress?.(reply.fraction, reply.message);
      return;
    }
    thread.job = undefined;
    this.#release(thread);
    if (reply.kind === 'result') {
      if (!job.settled) {
        job.settled = true;
        job.cleanup();
        job.resolve(reply.value);
      }
    } else {
      this.#settle(job, errorFromThread(reply));
    }
    this.#dispatch();
  }

  /** Abort or timeout: a waiting run leaves the line; a running one loses its thread. */
  #abort(job: Job, reason: Error): void {
    if (job.settled) return;
    const index = this.#waiting.indexOf(job);
    if (index >= 0) {
      this.#waiting.splice(index, 1);
      this.#settle(job, reason);
      return;
    }
    this.#settle(job, reason);
    for (const thread of this.#threads) {
      if (thread.job !== job) continue;
      thread.job = undefined;
      this.#retire(thread);
      thread.worker.terminate().catch(() => {});
      break;
    }
    this.#dispatch();
  }

  #settle(job: Job, error: Error): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    job.reject(error);
  }

  #release(thread: PooledThread): void {
    if (thread.retired) return;
    // An idle thread must not keep the process alive on its own.
    thread.worker.unref();
    this.#idle.push(thread);
  }

  #retire(thread: PooledThread): void {
    thread.retired = true;
    this.#threads.delete(thread);
    const index = this.#idle.indexOf(thread);
    if (index >= 0) this.#idle.splice(index, 1);
  }
}

function abortReason(signal: AbortSignal): Error {
  return coerceError(signal.reason ?? new Error('task aborted'));
}

/** Rebuilds a thread's error on this side; a PermanentError or Snooze stays one, so the outcome holds. */
function errorFromThread(reply: {
  name: string;
  message: string;
  stack?: string;
  delay?: string | number;
}): Error {
  if (reply.name === 'Snooze' && reply.delay !== undefined) return new Snooze(reply.delay);
  const error =
    reply.name === 'PermanentError' ? new PermanentError(reply.message) : new Error(reply.message);
  if (error.name !== reply.name) error.name = reply.name;
  if (reply.stack) error.stack = reply.stack;
  return error;
}

interface WorkerEntry {
  /** A file URL, or (from TypeScript sources) a bootstrap script run with `eval: true`. */
  script: string | URL;
  eval: boolean;
  execArgv: string[];
}

let entry: WorkerEntry | undefined;

/**
 * How a thread starts. From TypeScript sources (tsx for `npm start`, vitest in tests) the thread
 * needs tsx's loader to import .ts modules, and `--import tsx` in execArgv is not enough: on
 * Node 20 tsx registers its hooks on the main thread only. So a tiny bootstrap registers them
 * inside the thread (tsx's `register()` API), then imports the entry. tsx flags inherited from
 * the parent are dropped so the hooks are never registered twice.
 */
function workerEntry(): WorkerEntry {
  if (entry) return entry;
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './thread-worker.ts' : './thread-worker.js', import.meta.url);
  if (!fromSources) {
    entry = { script: url, eval: false, execArgv: [...process.execArgv] };
    return entry;
  }
  const execArgv: string[] = [];
  for (let index = 0; index < process.execArgv.length; index++) {
    const arg = process.execArgv[index]!;
    const value = process.execArgv[index + 1];
    if ((arg === '--import' || arg === '--require' || arg === '--loader') && value && isTsxPath(value)) {
      index++;
    } else if (!isTsxPath(arg)) {
      execArgv.push(arg);
    }
  }
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsxApi = new URL('dist/esm/api/index.mjs', pathToFileURL(tsxPackage)).href;
  const script = `import(${JSON.stringify(tsxApi)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })
    .catch((error) => { process.nextTick(() => { throw error; }); });`;
  entry = { script, eval: true, execArgv };
  return entry;
}

function isTsxPath(arg: string): boolean {
  return arg === 'tsx' || arg.includes('/tsx/') || arg.startsWith('tsx/');
}
