import { formatDuration, parseDuration } from '../config/duration.js';
import type { TaskStatus } from '../model/task.js';
import { MAX_DURATION_MS } from '../task-limits.js';
import { isPermanent, isSnooze } from '../tasks/task-handler.js';
import { retryDelayMs } from './backoff.js';

/** Why the engine itself aborted a running task. */
export type AbortCause = 'timeout' | 'cancelled' | 'shutdown' | 'lease_lost';

export interface Outcome {
  toStatus: TaskStatus;
  error: string | null;
  retryDelayMs: number;
  /** The attempt does not count against the budget (released at shutdown, snoozed). */
  refund: boolean;
  /** The handler threw Snooze: waiting again for `retryDelayMs`. */
  snoozed?: boolean;
}

/** The longest snooze, as for a backoff (task-limits.ts). */
export const MAX_SNOOZE_MS = MAX_DURATION_MS;

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
  let error = input.error;
  if (isSnooze(error)) {
    const delayMs = snoozeDelayMs(error.delay);
    if (delayMs !== undefined) {
      return {
        toStatus: input.attempt > 1 ? 'retrying' : 'queued',
        error: `snoozed ${formatDuration(delayMs)}`,
        retryDelayMs: delayMs,
        refund: true,
        snoozed: true,
      };
    }
    // A snooze the engine cannot follow is an ordinary, retryable failure that says why.
    error = new Error(
      `Snooze(${JSON.stringify(error.delay) ?? String(error.delay)}): expected a duration like "30s" or milliseconds up to ${MAX_SNOOZE_MS}`,
    );
  }
  const message = describeError(error);
  if (isPermanent(error) || input.attempt >= input.maxAttempts) {
    return { toStatus: 'dead', error: message, retryDelayMs: 0, refund: false };
  }
  return {
    toStatus: 'retrying',
    error: message,
    retryDelayMs: retryDelayMs({ backoffMs: input.backoffMs, attempt: input.attempt, random: input.random }),
    refund: false,
  };
}

function snoozeDelayMs(delay: unknown): number | undefined {
  const ms = typeof delay === 'number' ? delay : typeof delay === 'string' ? parseDuration(delay) : undefined;
  return ms !== undefined && Number.isInteger(ms) && ms >= 0 && ms <= MAX_SNOOZE_MS ? ms : undefined;
}

/** PostgreSQL text cannot hold NUL; errors are also bounded so one task cannot bloat the table. */
export function describeError(error: Error): string {
  const text = error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  // Cut first, then sanitize: a cut can split a surrogate pair.
  return sanitizeText(text.slice(0, 4000));
}

/** Drops what PostgreSQL text and jsonb refuse: NUL characters and lone UTF-16 surrogates. */
export function sanitizeText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}

/**
 * JSON for the result column, or an Error when the value cannot be stored. Strings are made
 * storable, so one odd result can never make a whole batch of outcomes fail to write.
 */
export function serializeResult(value: unknown): string | Error {
  try {
    return (
      JSON.stringify(value ?? null, (_key, child: unknown) =>
        typeof child === 'string' ? sanitizeText(child) : child,
      ) ?? 'null'
    );
  } catch (error) {
    return new Error(`the task's result is not JSON-serialisable: ${(error as Error).message}`);
  }
}
