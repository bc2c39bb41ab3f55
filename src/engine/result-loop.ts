import type { EngineStore } from '../db/engine-store.js';
import type { EventBus } from '../events/event-bus.js';
import type { TaskLifecycleEvent } from '../events/task-event.js';
import type { Logger } from '../logger.js';
import { type Clock, systemClock } from '../model/clock.js';
import type { ClaimedTask, TaskStatus } from '../model/task.js';
import { type PendingChange, progressOnlyChange, pushChangeEvents, startChange } from './change-events.js';
import { ProgressReports, progressEvent, progressJson } from './progress-reports.js';

const MAX_BATCH = 2000;
const MAX_RETRY_DELAY_MS = 5000;

/**
 * Collects task state changes and writes them in batches: one UPDATE … FROM jsonb_to_recordset
 * plus the history rows per flush, never a round trip per task. A flush starts as soon as the previous
 * one is done (group-commit style), so batches grow with load and latency stays low when idle.
 * A start and an outcome of the same attempt that meet before a flush become one write.
 * Writes that fail (database down) are kept and retried until they land.
 */
export class ResultLoop {
  #pending = new Map<string, PendingChange>();
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  #retryDelayMs = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #discarded = 0;
  #idleWaiters: Array<() => void> = [];
  readonly #progress = new ProgressReports();
  #progressTimer: NodeJS.Timeout | undefined;
  readonly #clock: Clock;

  constructor(
    private readonly options: {
      /** Where the batches go (writeOutcomes). */
      engineStore: EngineStore;
      events: EventBus;
      log: Logger;
      onDiscarded?: (change: { id: string; nodeId: string }) => void;
      /** Stamps progress reports and is the `now` a retry's backoff counts from (the system's by default). */
      clock?: Clock;
    },
  ) {
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Paces progress writes (at most one per task a second). Real time, not the clock: it is a
   * write budget, and a test's clock that stands still must not hold progress back forever.
   */
  #now(): number {
    return Date.now();
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Changes refused by their fence (lease lost, task cancelled or moved on) since start. */
  get discardedCount(): number {
    return this.#discarded;
  }

  recordStart(change: {
    task: ClaimedTask;
    attempt: number;
    startedAt: Date;
    nodeId: string;
    waitMs: number;
  }): void {
    this.#pending.set(change.task.id, startChange(change));
    this.#schedule();
  }

  recordOutcome(change: {
    task: ClaimedTask;
    attempt: number;
    toStatus: TaskStatus;
    finishedAt: Date;
    durationMs: number;
    resultJson: string | null;
    error: string | null;
    retryDelayMs: number;
    keepLock: boolean;
    refund: boolean;
    nodeId: string;
    snoozed?: boolean;
    onWritten?: () => void;
  }): void {
    const earlier = this.#pending.get(change.task.id);
    const merged = earlier?.started && earlier.attempt === change.attempt && earlier.toStatus === 'running';
    this.#pending.set(change.task.id, {
      id: change.task.id,
      task: change.task,
      attempt: change.attempt,
      fromStatus: merged ? earlier.fromStatus : 'running',
      toStatus: change.toStatus,
      started: merged ?? false,
      startedAt: merged ? earlier.startedAt : null,
      // Waiting again (a retry, a snooze, a release at shutdown) is not finished.
      finishedAt:
        change.toStatus === 'retrying' || change.toStatus === 'queued'
          ? null
          : change.finishedAt.toISOString(),
      result: change.resultJson,
      error: change.error,
      retryDelayMs: change.retryDelayMs,
      keepLock: change.keepLock,
      refund: change.refund,
      progress: null,
      nodeId: change.nodeId,
      durationMs: change.durationMs,
      waitMs: merged ? earlier.waitMs : undefined,
      onWritten: change.onWritten,
      snoozed: change.snoozed,
    });
    this.#schedule();
  }

  /**
   * The latest progress of a running attempt. Only the newest value per task is kept; it rides
   * along with the task's next change in the same batch, or is written on its own at most once
   * per second (PROGRESS_WRITE_INTERVAL_MS), so a handler may call ctx.progress in a tight loop.
   */
  recordProgress(report: {
    task: ClaimedTask;
    attempt: number;
    nodeId: string;
    fraction: number;
    message: string | null;
  }): void {
    const now = this.#now();
    const at = new Date(this.#clock.now()).toISOString();
    const waitMs = this.#progress.record({ ...report, at }, now);
    if (waitMs === 0) this.#schedule();
    else this.#armProgressTimer(waitMs);
  }

  /** The attempt ended without an outcome of ours (cancelled, lease lost): drop its progress. */
  forgetProgress(id: string): void {
    this.#progress.forget(id);
  }

  /** Resolves when everything recorded so far is written (or `timeoutMs` passes). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0 || this.#flushing) {
      if (Date.now() >= deadline) return false;
      if (this.#retryTimer) {
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
        this.#schedule();
      }
      await new Promise<void>((resolve) => {
        this.#idleWaiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return true;
  }

  /** Drops pending changes of a node id that lost its lease: their fences can no longer match. */
  forgetNode(nodeId: string): void {
    for (const [id, change] of this.#pending) if (change.nodeId === nodeId) this.#pending.delete(id);
    this.#progress.forgetNode(nodeId);
  }

  stop(): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#progressTimer);
    this.#progressTimer = undefined;
  }

  #armProgressTimer(delayMs: number): void {
    if (this.#progressTimer) return;
    this.#progressTimer = setTimeout(() => {
      this.#progressTimer = undefined;
      this.#schedule();
    }, delayMs);
    this.#progressTimer.unref();
  }

  /**
   * Progress joins the batch: on the task's own change when it has one (free), else as a
   * progress-only change once the task's last one was written long enough ago.
   */
  #addProgress(batch: PendingChange[]): void {
    const now = this.#now();
    const inBatch = new Set<string>();
    for (const change of batch) {
      inBatch.add(change.id);
      const report = this.#progress.takeFor(change, now);
      if (report) {
        change.progress = progressJson(report);
        change.reported = report;
      }
    }
    const { due, nextDueMs } = this.#progress.takeDue({
      now,
      limit: MAX_BATCH - batch.length,
      skip: inBatch,
    });
    for (const report of due) batch.push(progressOnlyChange(report));
    if (nextDueMs !== undefined) this.#armProgressTimer(nextDueMs);
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing || this.#retryTimer) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        if (this.#pending.size > 0 && !this.#retryTimer) this.#schedule();
        else if (this.#pending.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
      });
    });
  }

  async #flush(): Promise<void> {
    const batch: PendingChange[] = [];
    for (const change of this.#pending.values()) {
      batch.push(change);
      if (batch.length >= MAX_BATCH) break;
    }
    for (const change of batch) this.#pending.delete(change.id);
    if (this.#progress.size > 0) this.#addProgress(batch);
    const byNode = new Map<string, PendingChange[]>();
    for (const change of batch) {
      const list = byNode.get(change.nodeId) ?? [];
      list.push(change);
      byNode.set(change.nodeId, list);
    }
    const groups = [...byNode];
    let written = 0;
    try {
      for (const [nodeId, changes] of groups) {
        await this.#write(nodeId, changes);
        written++;
      }
      this.#retryDelayMs = 0;
    } catch (error) {
      this.#requeue(groups.slice(written).flatMap(([, changes]) => changes));
      this.#retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, Math.max(100, this.#retryDelayMs * 2));
      this.options.log.warn(
        { error: (error as Error).message, changes: batch.length, retryInMs: this.#retryDelayMs },
        'writing task outcomes failed; keeping them to retry',
      );
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#schedule();
      }, this.#retryDelayMs);
      this.#retryTimer.unref();
    }
  }

  /**
   * Writes one node's changes. A change PostgreSQL refuses (a data error, not an outage) must not
   * hold back the others forever: the batch is then written change by change, and a refused
   * change is recorded without its result, as a failure that says why.
   */
  async #write(nodeId: string, changes: PendingChange[]): Promise<void> {
    try {
      this.#afterWrite(
        changes,
        await this.options.engineStore.writeOutcomes(nodeId, changes, this.#clock.sqlNow()),
      );
      return;
    } catch (error) {
      if (!isDataError(error)) throw error;
    }
    for (const change of changes) {
      try {
        this.#afterWrite(
          [change],
          await this.options.engineStore.writeOutcomes(nodeId, [change], this.#clock.sqlNow()),
        );
      } catch (error) {
        if (!isDataError(error)) throw error;
        const message = (error as Error).message;
        this.options.log.error({ taskId: change.id, error: message }, 'PostgreSQL refused a task outcome');
        const fallback: PendingChange = {
          ...change,
          toStatus: change.toStatus === 'succeeded' ? 'dead' : change.toStatus,
          result: null,
          error: `the outcome could not be stored: ${message}`.slice(0, 1000),
        };
        const stored = await this.options.engineStore
          .writeOutcomes(nodeId, [fallback], this.#clock.sqlNow())
          .catch(() => new Set<string>());
        this.#afterWrite([fallback], stored);
      }
    }
  }

  /** Puts a failed batch back, merging with anything recorded for the same task meanwhile. */
  #requeue(batch: readonly PendingChange[]): void {
    for (const change of batch) {
      if (change.reported) this.#progress.restore(change.reported);
      if (change.progressOnly) continue;
      const later = this.#pending.get(change.id);
      if (!later) {
        this.#pending.set(change.id, change);
      } else if (change.started && !later.started && later.attempt === change.attempt) {
        this.#pending.set(change.id, {
          ...later,
          started: true,
          fromStatus: change.fromStatus,
          startedAt: change.startedAt,
          waitMs: change.waitMs,
        });
      }
    }
  }

  #afterWrite(changes: readonly PendingChange[], written: ReadonlySet<string>): void {
    const events: TaskLifecycleEvent[] = [];
    for (const change of changes) {
      if (change.progressOnly) {
        // A task that finished or moved on before its progress landed lost nothing.
        if (written.has(change.id) && change.reported) events.push(progressEvent(change.reported));
        continue;
      }
      if (change.toStatus !== 'running') this.#progress.forget(change.id);
      if (!written.has(change.id)) {
        this.#discarded++;
        this.options.log.warn(
          { taskId: change.id, attempt: change.attempt, status: change.toStatus, nodeId: change.nodeId },
          'outcome discarded: the task moved on (lease lost, cancelled or retried elsewhere)',
        );
        this.options.onDiscarded?.({ id: change.id, nodeId: change.nodeId });
        continue;
      }
      pushChangeEvents(events, change);
      change.onWritten?.();
    }
    this.options.events.publish(events);
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity): retrying the same write cannot help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
