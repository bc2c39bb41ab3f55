/**
 * Wakes long-polling HTTP claims when work may have arrived in a queue: local enqueues, NOTIFY
 * from other nodes, rescued and expired leases. A waiter also wakes at its own poll interval, the
 * fallback for work that comes due by time alone (backoff, runAt) and for missed notifications.
 */
export class WorkSignal {
  readonly #waiters = new Set<{ queues: ReadonlySet<string>; wake: () => void }>();

  /** New work may exist in `queue` (in any queue when omitted). */
  wake(queue?: string): void {
    for (const waiter of this.#waiters) {
      if (queue === undefined || waiter.queues.has(queue)) waiter.wake();
    }
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /** Resolves on a wake of one of `queues`, after `ms`, or when `signal` aborts; never rejects. */
  wait(queues: ReadonlySet<string>, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const waiter = { queues, wake: () => done() };
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(waiter);
    });
  }
}
