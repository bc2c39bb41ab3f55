/** A queue's flow limits as the claim applies them (config and run-time values already combined). */
export interface FlowLimits {
  /** At most `max` starts per window of `perMs`; null: no rate limit. */
  rateLimit: { max: number; perMs: number } | null;
  /** At most this many tasks of one concurrency key claimed or running; null: no cap per key. */
  maxPerKey: number | null;
}

/**
 * What PATCH /queues/{name} stored (queues.limits): a field present replaces the config's value
 * on every instance; null turns the setting off; an absent field leaves the config's value.
 */
export interface RuntimeLimits {
  rateLimit?: { max: number; perMs: number } | null;
  maxPerKey?: number | null;
}
