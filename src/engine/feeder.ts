import type { ClaimResult, EngineStore } from '../db/engine-store.js';
import type { Logger } from '../logger.js';
import { type Clock, systemClock } from '../model/clock.js';
import type { ClaimedTask } from '../model/task.js';
import type { LocalQueue, LocalQueues } from './local-queues.js';
import type { QueueLimits } from './queue-limits.js';

const MAX_CLAIM = 500;

/**
 * Keeps the local buffers filled: claims due, unclaimed tasks with SKIP LOCKED whenever there is
 * room. Woken by local enqueues and NOTIFY; each queue is also polled at its interval as a
 * fallback (missed notifications, retries that came due, other nodes' released work). One claim
 * loop at a time, so claims never race each other inside a node.
 */
export class Feeder {
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #queuesReadAt = 0;
  get #clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  constructor(
    private readonly options: {
      /** The claim statements and the queue states (pause, flow limits). */
      engineStore: EngineStore;
      queues: LocalQueues;
      nodeId: () => string;
      maxBufferSize: number;
      oldestShare: number;
      pollIntervalMs: number;
      log: Logger;
      /** Called after tasks were added to a buffer. */
      onClaimed: () => void;
      limits: QueueLimits;
      /** Worker slots free on this node now (a limited queue claims no more than it can start). */
      freeSlots: () => number;
      /** A claim found this node declared dead by another one: it took nothing. */
      onClaimRefused: () => void;
      /** What "due" means in the claims (run_at <= now); the system clock by default. The poll cadence stays on real timers. */
      clock?: Clock;
    },
  ) {}

  /** Rate-limited queues waiting for their window to reopen, by queue name. */
  readonly #reopenTimers = new Map<string, NodeJS.Timeout>();

  start(): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#poll();
      this.#pollTimer = setTimeout(tick, Math.min(this.options.pollIntervalMs, 250));
      this.#pollTimer.unref();
    };
    tick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#pollTimer);
    for (const timer of this.#reopenTimers.values()) clearTimeout(timer);
    this.#reopenTimers.clear();
  }

  /** New work may exist in `queue` (or in any queue when omitted): claim soon. */
  wake(queue?: string): void {
    if (queue !== undefined) this.options.queues.get(queue).drained = false;
    else for (const local of this.options.queues.all()) local.drained = false;
    this.request();
  }

  /** Claims if there is room, now or right after the claim in progress. */
  request(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#claimLoop().finally(() => {
      this.#running = undefined;
    });
  }

  async idle(): Promise<void> {
    await this.#running;
  }

  /** Re-reads queue states (pause flags, new queue names) and wakes queues whose interval passed. */
  async refreshQueues(): Promise<void> {
    const states = await this.options.engineStore.queueStates();
    this.options.limits.update(states);
    for (const [name, state] of states) {
      const local = this.options.queues.get(name);
      if (local.paused !== state.paused) {
        local.paused = state.paused;
        if (!state.paused) local.drained = false;
      }
    }
  }

  #poll(): void {
    // Real time, not the clock: this paces the polling timer, it decides nothing about a task.
    const now = Date.now();
    // The queue list itself is re-read every poll interval too: a queue created after start whose
    // NOTIFY this node missed must still be found.
    let due = now - this.#queuesReadAt >= this.options.pollIntervalMs;
    if (due) this.#queuesReadAt = now;
    for (const queue of this.options.queues.all()) {
      if (now - queue.lastPolledAt >= queue.pollIntervalMs) {
        queue.lastPolledAt = now;
        queue.drained = false;
        due = true;
      }
    }
    if (due) {
      this.refreshQueues()
        .catch((error: unknown) => this.options.log.debug({ err: error }, 'reading queue states failed'))
        .finally(() => this.request());
    }
  }

  async #claimLoop(): Promise<void> {
    do {
      this.#again = false;
      for (const queue of this.options.queues.all()) {
        if (this.#stopped) return;
        if (queue.paused || queue.drained || queue.external) continue;
        const limited = this.options.limits.isLimited(queue.name);
        const room = limited
          ? this.#startableIn(queue)
          : this.options.queues.roomIn(queue, this.options.maxBufferSize);
        if (room <= 0) continue;
        const limit = Math.min(room, MAX_CLAIM);
        let claimed: ClaimedTask[];
        queue.reserved += limit;
        try {
          const claim = limited
            ? await this.#claimLimited(queue, limit)
            : await this.options.engineStore.claimTasks({
                queue: queue.name,
                limit,
                nodeId: this.options.nodeId(),
                oldestShare: this.options.oldestShare,
                now: this.#clock.sqlNow(),
              });
          this.#failures = 0;
          if (!claim.alive) {
            this.options.onClaimRefused();
            return;
          }
          claimed = claim.tasks;
        } catch (error) {
          this.#failures++;
          if (this.#failures === 1 || this.#failures % 20 === 0) {
            this.options.log.warn({ err: error, queue: queue.name }, 'claiming tasks failed; will retry');
          }
          return;
        } finally {
          queue.reserved -= limit;
        }
        if (this.#stopped) return;
        for (const task of claimed) {
          if (!queue.buffer.has(task.id))
            queue.buffer.push({ id: task.id, priority: task.priority, value: task });
        }
        // The oldest-first share of a claim overlaps the priority part when few tasks wait, so a
        // short claim does not prove the queue is empty; only an empty one does.
        if (claimed.length === 0) queue.drained = true;
        else this.#again = true;
        if (claimed.length > 0) this.options.onClaimed();
      }
    } while (this.#again && !this.#stopped);
  }

  /**
   * A limited queue claims only what this node can start now: a claimed task holds its key's
   * slot and has used its rate-limit start, so it must not sit in a buffer.
   */
  #startableIn(queue: LocalQueue): number {
    const pending = queue.buffer.size + queue.reserved;
    let startable = Math.min(
      this.options.freeSlots() - pending,
      this.options.queues.roomIn(queue, this.options.maxBufferSize),
    );
    if (queue.limit > 0) startable = Math.min(startable, queue.limit - queue.running - pending);
    return startable;
  }

  async #claimLimited(queue: LocalQueue, limit: number): Promise<ClaimResult> {
    const { rateLimitedForMs, ...claim } = await this.options.engineStore.claimLimited({
      queue: queue.name,
      limit,
      limits: this.options.limits.of(queue.name),
      nodeId: this.options.nodeId(),
      now: this.#clock.sqlNow(),
    });
    if (rateLimitedForMs !== null) this.#wakeWhenWindowReopens(queue.name, rateLimitedForMs);
    return claim;
  }

  #wakeWhenWindowReopens(queue: string, inMs: number): void {
    if (this.#reopenTimers.has(queue) || this.#stopped) return;
    const timer = setTimeout(() => {
      this.#reopenTimers.delete(queue);
      this.wake(queue);
    }, inMs + 1);
    timer.unref();
    this.#reopenTimers.set(queue, timer);
  }
}
