/** Backoff never grows past this, however many retries a task is allowed. */
export const MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * Delay before retry number `attempt` (1 = the first retry): the task's backoff doubled per
 * retry, capped, with ±20% jitter so tasks that failed together do not retry together.
 */
export function retryDelayMs(options: { backoffMs: number; attempt: number; random?: () => number }): number {
  const random = options.random ?? Math.random;
  const exponential = options.backoffMs * 2 ** Math.max(0, options.attempt - 1);
  const capped = Math.min(exponential, MAX_BACKOFF_MS);
  return Math.round(capped * (0.8 + 0.4 * random()));
}
