import type { Pool } from 'pg';
import { ensureEventPartitions, PARTITION_DAYS_AHEAD } from '../db/event-partitions.js';
import type { Logger } from '../logger.js';

const HOUR_MS = 3_600_000;

export interface EventPartitionKeeperOptions {
  pool: Pool;
  log: Logger;
  /** The clock the days ahead are counted from; tests move it instead of waiting days. */
  now?: () => number;
  intervalMs?: number;
}

/**
 * Keeps task_events' daily partitions created ahead of time: today and the next
 * PARTITION_DAYS_AHEAD days, at node start (before the node writes anything) and every hour.
 * A write never waits for a partition, and never fails for a missing one either: rows of a day
 * that has none (a clock far ahead) go to the default partition and are moved into their day's
 * partition when it is created.
 */
export class EventPartitionKeeper {
  readonly #pool: Pool;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: EventPartitionKeeperOptions) {
    this.#pool = options.pool;
    this.#log = options.log.child({ component: 'event-partitions' });
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? HOUR_MS;
  }

  /** Creates the partitions that are missing now; returns how many. */
  async runOnce(): Promise<number> {
    const created = await ensureEventPartitions(this.#pool, new Date(this.#now()));
    if (created > 0)
      this.#log.info({ created, daysAhead: PARTITION_DAYS_AHEAD }, 'created history partitions');
    return created;
  }

  /** One round now (a failure is logged, not thrown: the default partition still takes writes), then hourly. */
  async start(): Promise<void> {
    await this.#round();
    this.#timer = setInterval(() => {
      this.#running ??= this.#round().finally(() => {
        this.#running = undefined;
      });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #round(): Promise<void> {
    try {
      await this.runOnce();
    } catch (error) {
      this.#log.warn({ err: error }, 'could not create history partitions; retrying within the hour');
    }
  }
}
