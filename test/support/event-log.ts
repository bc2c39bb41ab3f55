/**
 * Keeps every event pushed to it and lets a test wait for one that matches (already seen or
 * still to come), so tests wait on what happened rather than on the clock.
 */
export class EventLog<E> {
  readonly seen: E[] = [];
  readonly #waiters = new Set<{ match: (event: E) => boolean; resolve: (event: E) => void }>();

  readonly push = (event: E): void => {
    this.seen.push(event);
    for (const waiter of this.#waiters) {
      if (waiter.match(event)) {
        this.#waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  };

  /** The first event that matches; rejects after `timeoutMs` saying what it waited for. */
  first(
    match: (event: E) => boolean,
    options: { timeoutMs?: number; what: string | (() => string) },
  ): Promise<E> {
    const earlier = this.seen.find(match);
    if (earlier !== undefined) return Promise.resolve(earlier);
    const timeoutMs = options.timeoutMs ?? 20_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const what = typeof options.what === 'string' ? options.what : options.what();
        reject(new Error(`no ${what} within ${timeoutMs} ms (${this.seen.length} events seen)`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (event: E) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      this.#waiters.add(waiter);
    });
  }
}
