import type { Clock } from '../../src/model/clock.js';

/**
 * A clock that moves only when a test says so. SQL handed `sqlNow()` sees the same time, so a
 * retry's backoff, a lease's expiry or a retention cut-off passes the moment the test advances
 * past it, however fast or slow the machine is.
 */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: Date | number = Date.now()) {
    this.#ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#ms;
  }

  sqlNow(): Date {
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  set(at: Date | number): void {
    this.#ms = typeof at === 'number' ? at : at.getTime();
  }
}
