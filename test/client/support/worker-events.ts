import type { WorkerEvent } from '../../../src/client/index.js';

/**
 * Records a runWorker's events and lets a test wait for one that matches, so tests wait on what
 * the worker did rather than on the clock.
 */
export class WorkerEvents {
  readonly seen: WorkerEvent[] = [];
  readonly #waiters = new Set<{
    match: (event: WorkerEvent) => boolean;
    resolve: (e: WorkerEvent) => void;
  }>();

  readonly push = (event: WorkerEvent): void => {
    this.seen.push(event);
    for (const waiter of this.#waiters) {
      if (waiter.match(event)) {
        this.#waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  };

  /** The first event (already seen, or still to come) that matches. */
  next<K extends WorkerEvent['kind']>(
    kind: K,
    match: (event: Extract<WorkerEvent, { kind: K }>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<Extract<WorkerEvent, { kind: K }>> {
    const test = (event: WorkerEvent) =>
      event.kind === kind && match(event as Extract<WorkerEvent, { kind: K }>);
    const earlier = this.seen.find(test);
    if (earlier) return Promise.resolve(earlier as Extract<WorkerEvent, { kind: K }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${kind} event within ${timeoutMs} ms; saw ${this.kinds().join(', ')}`));
      }, timeoutMs);
      const waiter = {
        match: test,
        resolve: (event: WorkerEvent) => {
          clearTimeout(timer);
          resolve(event as Extract<WorkerEvent, { kind: K }>);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  count(kind: WorkerEvent['kind']): number {
    return this.seen.filter((event) => event.kind === kind).length;
  }

  kinds(): string[] {
    return this.seen.map((event) => event.kind);
  }
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
