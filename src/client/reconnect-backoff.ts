/**
 * Delays between attempts to reach a server that is away: exponential from `minMs` to `maxMs`,
 * with "equal jitter" (half fixed, half random) so a fleet of workers that lost the server at
 * the same moment does not come back in one burst.
 */
export class ReconnectBackoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: { minMs?: number; maxMs?: number; random?: () => number } = {}) {
    this.#minMs = options.minMs ?? 250;
    this.#maxMs = Math.max(this.#minMs, options.maxMs ?? 10_000);
    this.#random = options.random ?? Math.random;
  }

  /** Failures in a row since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay before the next attempt, counting this failure. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#minMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }

  reset(): void {
    this.#failures = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
