/**
 * The time every engine service reads, handed to each one (feeder, worker pool, result loop,
 * lease keeper, retention, scheduler, backoff) so a test can move it instead of sleeping —
 * River's TimeGenerator and graphile-worker's useNodeTime are the models.
 *
 * SQL that compares against the time takes `coalesce($n::timestamptz, now())` with `sqlNow()` as
 * the parameter: the system clock answers null, so production keeps the database's own clock
 * (one clock for every instance); a test clock answers its own time and moves both sides at once.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** The time SQL should use instead of `now()`, or null for the database's clock. */
  sqlNow(): Date | null;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sqlNow: () => null,
});
