import { isPermanent } from '../tasks/task-handler.js';
import { retryDelayMs } from './backoff.js';
import type { TaskStatus } from './types.js';

/** Why the engine itself aborted a running task. */
export type AbortCause = 'timeout' | 'cancelled' | 'shutdown' | 'lease_lost';

export interface Outcome {
  toStatus: TaskStatus;
  error: string | null;
  retryDelayMs: number;
  /** The attempt does not count against the budget (released at shutdown). */
  refund: boolean;
}

/**
 * What happens to a task after one attempt: succeeded; retried after a backoff; dead when its
 * attempts are spent or the error is permanent; released without penalty at shutdown.
 */
export function decideOutcome(input: {
  error?: Error;
  cause?: AbortCause;
  attempt: number;
  maxAttempts: number;
  backoffMs: number;
  random?: () => number;
}): Outcome {
  if (input.cause === 'shutdown') {
    return {
      toStatus: input.attempt > 1 ? 'retrying' : 'queued',
      error: 'released: the node shut down before the task finished',
      retryDelayMs: 0,
      refund: true,
    };
  }
  if (!input.error) return { toStatus: 'succeeded', error: null, retryDelayMs: 0, refund: false };
  const message = describeError(input.error);
  if (isPermanent(input.error) || input.attempt >= input.maxAttempts) {
    return { toStatus: 'dead', error: message, retryDelayMs: 0, refund: false };
  }
  return {
    toStatus: 'retrying',
    error: message,
    retryDelayMs: retryDelayMs({ backoffMs: input.backoffMs, attempt: input.attempt, random: input.random }),
    refund: false,
  };
}

/** PostgreSQL text cannot hold NUL; errors are also bounded so one task cannot bloat the table. */
export function describeError(error: Error): string {
  const text = error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return sanitizeText(text).slice(0, 4000);
}

export function sanitizeText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/** JSON for the result column, or an Error when the value cannot be stored. */
export function serializeResult(value: unknown): string | Error {
  try {
    const json = JSON.stringify(value ?? null) ?? 'null';
    return json.includes('\\u0000') ? json.replaceAll('\\u0000', '') : json;
  } catch (error) {
    return new Error(`the task's result is not JSON-serialisable: ${(error as Error).message}`);
  }
}
