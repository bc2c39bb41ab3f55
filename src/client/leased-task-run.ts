import type { PgtaskClient } from './http-client.js';
import { pause, ReconnectBackoff } from './reconnect-backoff.js';
import { type LeasedTask, LeaseLostError, type WorkerEvent, type WorkerHandler } from './worker-types.js';

/** The fail endpoint's limit on an error text (FailRequest.error). */
const MAX_ERROR_TEXT = 4000;
/** Never heartbeat more often than this, however short the lease. */
const MIN_HEARTBEAT_MS = 20;

export interface LeasedTaskRunOptions {
  client: PgtaskClient;
  task: LeasedTask;
  handler: WorkerHandler;
  /** Heartbeat when this share of the time left on the lease has passed. */
  heartbeatFraction: number;
  backoff: { minMs: number; maxMs: number };
  emit: (event: WorkerEvent) => void;
}

type Answer = { response: Response; error?: unknown };

/**
 * One claimed task from start to answer: the handler runs while heartbeats keep the lease; a
 * 409 on a heartbeat aborts the handler's signal and nothing is reported; otherwise the result
 * or the error is sent with the lease token, retried while the server is away (heartbeats keep
 * the lease meanwhile), until the server answers.
 */
export async function runLeasedTask(options: LeasedTaskRunOptions): Promise<void> {
  const { client, task, emit } = options;
  const path = { params: { path: { id: task.id } } };
  const token = task.lease.token;
  const lost = new AbortController();
  let progress: { fraction: number; message?: string } | undefined;
  let expiresAt = Date.parse(task.lease.expiresAt);
  let reporting = false;

  const markLost = () => {
    if (lost.signal.aborted) return;
    lost.abort(new LeaseLostError(task.id));
    emit({ kind: 'lease_lost', taskId: task.id });
  };

  const heartbeats = new AbortController();
  const heartbeatLoop = (async () => {
    const retry = new ReconnectBackoff(options.backoff);
    let delay = nextBeatIn(expiresAt, options.heartbeatFraction);
    for (;;) {
      await pause(delay, heartbeats.signal);
      if (heartbeats.signal.aborted) return;
      const sent = progress;
      const answer = await send(() =>
        client.POST('/task/{id}/heartbeat', {
          ...path,
          body: { token, ...(sent ? { progress: sent } : {}) },
          signal: heartbeats.signal,
        }),
      );
      if (heartbeats.signal.aborted) return;
      if (answer?.data) {
        retry.reset();
        if (progress === sent) progress = undefined;
        expiresAt = Date.parse(answer.data.expiresAt);
        emit({ kind: 'heartbeat', taskId: task.id, expiresAt: answer.data.expiresAt });
        delay = nextBeatIn(expiresAt, options.heartbeatFraction);
      } else if (answer && isLeaseGone(answer.response.status)) {
        // After the outcome was written the lease is gone by design; that is no loss.
        if (!reporting) markLost();
        return;
      } else {
        // The server is away or busy: try again soon, but never later than the lease allows.
        delay = Math.min(retry.next(), Math.max(MIN_HEARTBEAT_MS, (expiresAt - Date.now()) / 2));
      }
    }
  })();

  let outcome: { result: unknown } | { error: unknown };
  try {
    const result = await options.handler(task, {
      signal: lost.signal,
      attempt: task.attempt,
      progress(fraction, message) {
        progress = { fraction: Math.min(1, Math.max(0, fraction)), ...(message ? { message } : {}) };
      },
    });
    outcome = { result };
  } catch (error) {
    outcome = { error };
  }

  try {
    if (lost.signal.aborted) return;
    reporting = true;
    const retry = new ReconnectBackoff(options.backoff);
    let plainFailure = false;
    for (;;) {
      const answer = await send(() =>
        'result' in outcome
          ? client.POST('/task/{id}/complete', {
              ...path,
              body: { token, ...(outcome.result !== undefined ? { result: outcome.result } : {}) },
            })
          : client.POST('/task/{id}/fail', { ...path, body: failBody(token, outcome.error) }),
      );
      if (lost.signal.aborted) return;
      if (answer?.response.ok) {
        if ('result' in outcome) emit({ kind: 'completed', taskId: task.id });
        else {
          const status = (answer as { data?: { status?: string } }).data?.status ?? 'retrying';
          emit({
            kind: 'failed',
            taskId: task.id,
            error: errorText(outcome.error),
            status: status as 'retrying' | 'dead',
          });
        }
        return;
      }
      if (answer && isLeaseGone(answer.response.status)) return markLost();
      if (answer && answer.response.status < 500 && answer.response.status !== 429) {
        // The server refused the answer itself (say a result that is not JSON): report that
        // instead, so the task does not wait for its lease to run out.
        if ('result' in outcome || !plainFailure) {
          const refused = `${'result' in outcome ? 'the result' : 'the failure'} was refused: ${describeRefusal(answer)}`;
          outcome = { error: new Error(refused) };
          plainFailure = true;
          continue;
        }
        emit({ kind: 'failed', taskId: task.id, error: describeRefusal(answer), status: 'retrying' });
        return;
      }
      await pause(retry.next(), lost.signal);
    }
  } finally {
    heartbeats.abort();
    await heartbeatLoop;
  }
}

/** null when the server could not be reached (or the call was aborted). */
async function send<T extends Answer>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch {
    return null;
  }
}

function isLeaseGone(status: number): boolean {
  return status === 409 || status === 404;
}

function nextBeatIn(expiresAt: number, fraction: number): number {
  return Math.max(MIN_HEARTBEAT_MS, (expiresAt - Date.now()) * fraction);
}

function failBody(token: string, error: unknown) {
  const details = error && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  const permanent = details.name === 'PermanentError' || details.retryable === false;
  const retryIn = typeof details.retryIn === 'number' ? `${Math.round(details.retryIn)}ms` : details.retryIn;
  return {
    token,
    error: errorText(error),
    ...(permanent ? { retryable: false } : {}),
    ...(typeof retryIn === 'string' && !permanent ? { retryIn } : {}),
  };
}

/** Whatever was thrown (an Error, a string, undefined) as a non-empty text the server stores. */
export function errorText(error: unknown): string {
  const text =
    error instanceof Error
      ? error.message || error.name
      : typeof error === 'string'
        ? error
        : (JSON.stringify(error) ?? String(error));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL cannot be stored in a PostgreSQL text
  const clean = (text || 'failed').replace(/\u0000/g, '');
  return clean.length > MAX_ERROR_TEXT ? `${clean.slice(0, MAX_ERROR_TEXT - 1)}…` : clean || 'failed';
}

function describeRefusal(answer: Answer): string {
  const body = answer.error as { error?: { code?: string; message?: string } } | undefined;
  return `${answer.response.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`.trim();
}
