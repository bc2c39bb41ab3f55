import type { components } from './openapi-types.js';

/** A task as the claim hands it out: id, type, queue, payload, attempt and its lease. */
export type LeasedTask = components['schemas']['LeasedTask'];

export interface WorkerContext {
  /**
   * Aborted when the lease is lost (it expired, the task was cancelled or rescued): stop, the
   * answer would be refused anyway. `signal.reason` is a LeaseLostError.
   */
  signal: AbortSignal;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  /** Reports progress (0–1); sent with the next heartbeat, stored and shown like ctx.progress. */
  progress(fraction: number, message?: string): void;
}

/**
 * Runs one task. What it returns is stored as the result; what it throws fails the attempt
 * (retried after the backoff). Throw an error named `PermanentError` (or with `retryable: false`)
 * for "do not retry"; an error with `retryIn` (ms or a duration such as '30s') sets the delay.
 */
export type WorkerHandler = (task: LeasedTask, context: WorkerContext) => unknown;

/** What a running worker did, for logs, metrics and tests (`onEvent`). */
export type WorkerEvent =
  | { kind: 'claimed'; task: LeasedTask }
  | { kind: 'heartbeat'; taskId: string; expiresAt: string }
  | { kind: 'completed'; taskId: string }
  | { kind: 'failed'; taskId: string; error: string; status: 'succeeded' | 'retrying' | 'dead' }
  | { kind: 'lease_lost'; taskId: string }
  | { kind: 'server_unreachable'; error: string; retryInMs: number }
  | { kind: 'reconnected' }
  | { kind: 'stopped' };

/** The handler's signal reason when the server took the task back. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly taskId: string) {
    super(`the lease on task ${taskId} was lost (expired, cancelled or rescued): stop working on it`);
  }
}

/** The server refused the worker's claim for good (bad token or scope, unknown type): runWorker stops. */
export class WorkerRejectedError extends Error {
  override name = 'WorkerRejectedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`the server refused the claim (${status} ${code}): ${message}`);
  }
}
