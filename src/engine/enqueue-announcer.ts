import type { Logger } from 'pino';
import type { EngineStore } from '../db/engine-store.js';

/**
 * Announces new work to the other nodes after an enqueue committed, so the enqueue's own commit
 * never waits on PostgreSQL's notify lock. One NOTIFY statement at a time: queues named while one
 * is in flight go together in the next, so a flood of single-task enqueues costs a few NOTIFYs,
 * not one each. A lost announcement (a failed statement, a crash right after the commit) delays
 * other nodes by at most their poll interval; this node wakes its own feeder directly.
 */
export class EnqueueAnnouncer {
  readonly #store: Pick<EngineStore, 'notifyEnqueued'>;
  readonly #log: Logger;
  readonly #pending = new Set<string>();
  #sending: Promise<void> | undefined;

  constructor(store: Pick<EngineStore, 'notifyEnqueued'>, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  announce(queues: Iterable<string>): void {
    for (const queue of queues) this.#pending.add(queue);
    if (this.#pending.size > 0) this.#sending ??= this.#send();
  }

  /** Resolves once every queue named so far has been announced (or its NOTIFY failed). */
  async settled(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #send(): Promise<void> {
    try {
      while (this.#pending.size > 0) {
        const queues = [...this.#pending];
        this.#pending.clear();
        await this.#store.notifyEnqueued(queues).catch((error: unknown) => {
          this.#log.warn(
            { err: error, queues },
            'could not announce new tasks; other nodes find them at their next poll',
          );
        });
      }
    } finally {
      this.#sending = undefined;
    }
  }
}
