import { hostname } from 'node:os';
import { createClient } from './http-client.js';
import { runLeasedTask } from './leased-task-run.js';
import { pause, ReconnectBackoff } from './reconnect-backoff.js';
import { type WorkerEvent, type WorkerHandler, WorkerRejectedError } from './worker-types.js';

export interface RunWorkerOptions {
  baseUrl: string;
  /** A token of scope `worker` (or admin) when the server has `api.authTokens`. */
  token?: string;
  /** External task types (tasks.external) this worker runs. */
  types: string[];
  /** Only these queues (default: every queue of the types). */
  queues?: string[];
  /** Shown in GET /workers, the history and the metrics; default `<hostname>-<pid>`. */
  name?: string;
  /** Tasks run at once (default 1). */
  concurrency?: number;
  handler: WorkerHandler;
  /** Aborting it stops the worker, as `stop()` does. */
  signal?: AbortSignal;
  /** How long one claim long-polls, in ms (default 20 000, at most 30 000). */
  claimWaitMs?: number;
  /** Heartbeat once this share of the time left on a lease has passed (default 1/3). */
  heartbeatFraction?: number;
  /** Delays while the server is away: exponential with jitter (default 250 ms to 10 s). */
  reconnect?: { minMs?: number; maxMs?: number };
  /** Every claim, heartbeat, answer, lost lease and reconnection, for logs and metrics. */
  onEvent?: (event: WorkerEvent) => void;
  fetch?: typeof fetch;
}

export interface RunningWorker {
  /** Stops claiming, lets the tasks in hand finish and be answered, then resolves. */
  stop(): Promise<void>;
  /**
   * Resolves once stopped; rejects with a WorkerRejectedError when the server refuses the claim
   * for good (a bad token or scope, an unknown type), after the tasks in hand are answered.
   */
  readonly done: Promise<void>;
  /** Tasks in hand now. */
  readonly running: number;
}

/**
 * A remote worker over the HTTP worker protocol: one long-polling claim at a time for as many
 * tasks as there are free slots, a heartbeat per task at a fraction of its lease, the handler's
 * signal aborted on a lost lease, complete or fail with the lease token, and a jittered backoff
 * while the server is away (the tasks in hand keep heartbeating; claiming resumes when it is back).
 */
export function runWorker(options: RunWorkerOptions): RunningWorker {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const claimWaitMs = Math.min(30_000, Math.max(0, options.claimWaitMs ?? 20_000));
  const reconnect = { minMs: options.reconnect?.minMs ?? 250, maxMs: options.reconnect?.maxMs ?? 10_000 };
  const name = options.name ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.:@-]/g, '-').slice(0, 64);
  const client = createClient({
    baseUrl: options.baseUrl,
    ...(options.token ? { token: options.token } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const emit = (event: WorkerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's bug must not stop the worker.
    }
  };

  const stopping = new AbortController();
  const stop = () => stopping.abort();
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });

  const inHand = new Set<Promise<void>>();
  let slotFreed: (() => void) | undefined;

  const claim = (max: number) =>
    client.POST('/workers/claim', {
      body: {
        worker: name,
        types: options.types,
        ...(options.queues ? { queues: options.queues } : {}),
        max,
        wait: `${claimWaitMs}ms`,
      },
      signal: stopping.signal,
    });

  const claimLoop = async () => {
    const backoff = new ReconnectBackoff(reconnect);
    let away = false;
    while (!stopping.signal.aborted) {
      if (inHand.size >= concurrency) {
        await new Promise<void>((resolve) => {
          const freed = () => {
            stopping.signal.removeEventListener('abort', freed);
            resolve();
          };
          slotFreed = freed;
          stopping.signal.addEventListener('abort', freed, { once: true });
        });
        continue;
      }
      let answer: Awaited<ReturnType<typeof claim>> | undefined;
      let failure: string | undefined;
      try {
        answer = await claim(concurrency - inHand.size);
      } catch (error) {
        if (stopping.signal.aborted) break;
        failure = error instanceof Error ? `${error.message}${causeOf(error)}` : String(error);
      }
      if (answer?.data) {
        if (away) emit({ kind: 'reconnected' });
        away = false;
        backoff.reset();
        for (const task of answer.data.tasks) {
          emit({ kind: 'claimed', task });
          const run = runLeasedTask({
            client,
            task,
            handler: options.handler,
            heartbeatFraction: options.heartbeatFraction ?? 1 / 3,
            backoff: reconnect,
            emit,
          }).finally(() => {
            inHand.delete(run);
            slotFreed?.();
            slotFreed = undefined;
          });
          inHand.add(run);
        }
        continue;
      }
      if (answer && answer.response.status < 500 && answer.response.status !== 429) {
        const body = answer.error as { error?: { code?: string; message?: string } } | undefined;
        throw new WorkerRejectedError(
          answer.response.status,
          body?.error?.code ?? 'unknown',
          body?.error?.message ?? answer.response.statusText,
        );
      }
      failure ??= `HTTP ${answer?.response.status}`;
      const retryInMs = backoff.next();
      away = true;
      emit({ kind: 'server_unreachable', error: failure, retryInMs });
      await pause(retryInMs, stopping.signal);
    }
  };

  const done = (async () => {
    let rejected: unknown;
    await claimLoop().catch((error) => {
      rejected = error;
    });
    // Whatever is in hand is finished and answered before the worker reports it stopped.
    while (inHand.size > 0) await Promise.all([...inHand]);
    options.signal?.removeEventListener('abort', stop);
    emit({ kind: 'stopped' });
    if (rejected) throw rejected;
  })();
  // A caller that only calls stop() must not see an unhandled rejection.
  done.catch(() => {});

  return {
    stop() {
      stop();
      return done.catch(() => {});
    },
    done,
    get running() {
      return inHand.size;
    },
  };
}

/** undici's "fetch failed" says why only in its cause (ECONNREFUSED, …). */
function causeOf(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause ? ` (${cause.code ?? cause.message ?? 'unknown cause'})` : '';
}
