import type { QueueConfig } from '../config/schema.js';
import type { FlowLimits, RuntimeLimits } from '../model/flow-limits.js';

export type { RuntimeLimits };

/** A queue's limits with where each value came from, for GET /queues and the dashboard. */
export interface QueueLimitsView extends FlowLimits {
  source: { rateLimit: 'config' | 'runtime' | 'none'; maxPerKey: 'config' | 'runtime' | 'none' };
}

/**
 * The flow limits of every queue as this node applies them: the config's values combined with
 * the run-time values stored in PostgreSQL (re-read with the queue states, on NOTIFY and every
 * poll interval), and whether keyed tasks wait in a queue. A queue with any of these is claimed
 * through `pickLimited` (serialised per queue, booked against the limits); others through the
 * plain claim, untouched.
 */
export class QueueLimits {
  readonly #config = new Map<string, FlowLimits>();
  readonly #runtime = new Map<string, RuntimeLimits>();
  readonly #keyed = new Set<string>();

  constructor(settings: readonly QueueConfig[]) {
    for (const queue of settings) {
      this.#config.set(queue.id, {
        rateLimit: queue.rateLimit ? { max: queue.rateLimit.max, perMs: queue.rateLimit.per } : null,
        maxPerKey: queue.maxPerKey ?? null,
      });
    }
  }

  /** Takes the stored run-time values and keyed flags; true when anything changed. */
  update(states: ReadonlyMap<string, { limits: RuntimeLimits | null; keyed: boolean }>): boolean {
    let changed = false;
    for (const [name, state] of states) {
      const before = JSON.stringify(this.#runtime.get(name) ?? null);
      if (state.limits) this.#runtime.set(name, state.limits);
      else this.#runtime.delete(name);
      if (before !== JSON.stringify(state.limits ?? null)) changed = true;
      if (state.keyed && !this.#keyed.has(name)) {
        this.#keyed.add(name);
        changed = true;
      }
      // A keyed flag is dropped only when the queue has no keyed task left waiting anywhere.
      if (!state.keyed) this.#keyed.delete(name);
    }
    return changed;
  }

  /** This node stored new run-time values (PATCH): apply them before the NOTIFY comes back. */
  setRuntime(queue: string, limits: RuntimeLimits | null): void {
    if (limits) this.#runtime.set(queue, limits);
    else this.#runtime.delete(queue);
  }

  /** This node enqueued keyed tasks into `queue`: claim it by key from now on. */
  markKeyed(queue: string): void {
    this.#keyed.add(queue);
  }

  of(queue: string): FlowLimits {
    return this.view(queue);
  }

  view(queue: string): QueueLimitsView {
    const config = this.#config.get(queue);
    const runtime = this.#runtime.get(queue) ?? {};
    const rateLimit = 'rateLimit' in runtime ? (runtime.rateLimit ?? null) : (config?.rateLimit ?? null);
    const maxPerKey = 'maxPerKey' in runtime ? (runtime.maxPerKey ?? null) : (config?.maxPerKey ?? null);
    const sourceOf = (field: 'rateLimit' | 'maxPerKey', value: unknown) =>
      value === null ? ('none' as const) : field in runtime ? ('runtime' as const) : ('config' as const);
    return {
      rateLimit,
      maxPerKey,
      source: { rateLimit: sourceOf('rateLimit', rateLimit), maxPerKey: sourceOf('maxPerKey', maxPerKey) },
    };
  }

  /** Claimed through `pickLimited`: a rate limit, a cap per key, or keyed tasks waiting. */
  isLimited(queue: string): boolean {
    if (this.#keyed.has(queue)) return true;
    const limits = this.of(queue);
    return limits.rateLimit !== null || limits.maxPerKey !== null;
  }

  /** Queues with limits from the config (they need a queues row for the rate window). */
  configured(): string[] {
    return [...this.#config.entries()]
      .filter(([, limits]) => limits.rateLimit !== null || limits.maxPerKey !== null)
      .map(([name]) => name);
  }
}
