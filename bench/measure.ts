import { performance } from 'node:perf_hooks';
import type { RssSummary } from './workload.js';

const MB = 1024 * 1024;

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) throw new Error('percentile of no samples');
  // Nearest-rank: the smallest sample with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1]!;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Samples this process's resident set size. Each system's drain runs in its own child process,
 * so the figure is the memory of the process doing the work, not of the harness.
 */
export class RssSampler {
  #baseline = 0;
  #peak = 0;
  #last = 0;
  #samples = 0;
  #timer: NodeJS.Timeout | undefined;

  start(intervalMs = 50): void {
    this.#baseline = process.memoryUsage.rss();
    this.#peak = this.#baseline;
    this.#last = this.#baseline;
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): number {
    const rss = process.memoryUsage.rss();
    this.#samples += 1;
    this.#last = rss;
    if (rss > this.#peak) this.#peak = rss;
    return rss;
  }

  stop(): RssSummary {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    return {
      baselineMb: round(this.#baseline / MB),
      peakMb: round(this.#peak / MB),
      endMb: round(this.#last / MB),
      samples: this.#samples,
    };
  }
}

/**
 * Records every handler start by task index, so a bench can prove each task ran exactly once
 * (a count of finished rows alone would hide a task run twice and another never).
 */
export class StartTracker {
  readonly #startedAt = new Map<number, number>();
  #duplicates = 0;
  #firstAt: number | undefined;
  #lastAt: number | undefined;

  readonly record = (index: number): void => {
    const now = performance.now();
    if (this.#startedAt.has(index)) {
      this.#duplicates += 1;
      return;
    }
    this.#startedAt.set(index, now);
    this.#firstAt ??= now;
    this.#lastAt = now;
  };

  get count(): number {
    return this.#startedAt.size;
  }
  get duplicates(): number {
    return this.#duplicates;
  }
  get firstAt(): number | undefined {
    return this.#firstAt;
  }
  get lastAt(): number | undefined {
    return this.#lastAt;
  }
  startedAt(index: number): number | undefined {
    return this.#startedAt.get(index);
  }

  /** Throws unless tasks 0..expected-1 each started exactly once. */
  assertExactlyOnce(expected: number, what: string): void {
    if (this.#duplicates > 0) throw new Error(`${what}: ${this.#duplicates} task starts were duplicates`);
    if (this.#startedAt.size !== expected) {
      throw new Error(`${what}: ${this.#startedAt.size} of ${expected} tasks started`);
    }
    for (let index = 0; index < expected; index += 1) {
      if (!this.#startedAt.has(index)) throw new Error(`${what}: task ${index} never started`);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Polls `probe` until it returns true or the deadline passes; returns whether it became true.
 * The poll interval bounds the timing error of a drain (20 ms over a drain of a second or more).
 */
export async function pollUntil(
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(options.intervalMs ?? 20);
  }
}

/**
 * Calls `send(index, scheduledAt)` at a steady rate, open loop: a slow call does not delay the
 * next one (a closed loop would hide queueing delay from the latency figures). Resolves when all
 * calls have settled; the first failure rejects.
 */
export async function steadyRate(options: {
  rate: number;
  count: number;
  send: (index: number) => Promise<unknown>;
}): Promise<void> {
  const intervalMs = 1000 / options.rate;
  const startedAt = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const due = startedAt + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(options.send(index));
  }
  await Promise.all(pending);
}
