import type { TaskLifecycleEvent } from '../events/task-event.js';
import type { ClaimedTask } from '../model/task.js';
import { taskEvent } from './lifecycle-event.js';

/** A task's progress is written at most this often on its own (it rides along free with any other change). */
export const PROGRESS_WRITE_INTERVAL_MS = 1000;

/** The latest progress of a running attempt, waiting for its turn to be written. */
export interface ProgressReport {
  task: ClaimedTask;
  attempt: number;
  nodeId: string;
  fraction: number;
  message: string | null;
  at: string;
}

/**
 * The result loop's progress side: the newest report per task and when each task's progress was
 * last written on its own. Pure bookkeeping (the loop owns the timer and the writes), so the
 * once-a-second rule is decided in one place.
 */
export class ProgressReports {
  /** Latest unwritten report per task id. */
  readonly #latest = new Map<string, ProgressReport>();
  /** When each running task's progress was last written on its own. */
  readonly #writtenAt = new Map<string, number>();

  get size(): number {
    return this.#latest.size;
  }

  /** Keeps the report; returns in how many ms it may be written on its own (0: now). */
  record(report: ProgressReport, now: number): number {
    this.#latest.set(report.task.id, report);
    return this.#waitMs(report.task.id, now);
  }

  /** Puts back a report whose write failed, unless a newer one arrived meanwhile. */
  restore(report: ProgressReport): void {
    if (!this.#latest.has(report.task.id)) this.#latest.set(report.task.id, report);
  }

  /**
   * The report for a change of this task in the batch (it rides along, free), consumed; it counts
   * as a write, so the next one on its own waits a full interval.
   */
  takeFor(change: { id: string; attempt: number; nodeId: string }, now: number): ProgressReport | undefined {
    const report = this.#latest.get(change.id);
    if (!report) return undefined;
    this.#latest.delete(change.id);
    if (report.attempt !== change.attempt || report.nodeId !== change.nodeId) return undefined;
    this.#writtenAt.set(change.id, now);
    return report;
  }

  /**
   * Reports due to be written on their own (their task's last one is old enough), at most
   * `limit`, consumed and marked written at `now`; `nextDueMs` says when the next one is due.
   */
  takeDue(options: { now: number; limit: number; skip: ReadonlySet<string> }): {
    due: ProgressReport[];
    nextDueMs: number | undefined;
  } {
    const due: ProgressReport[] = [];
    let nextDueMs: number | undefined;
    for (const [id, report] of this.#latest) {
      if (options.skip.has(id)) continue;
      const waitMs = this.#waitMs(id, options.now);
      if (waitMs > 0) {
        nextDueMs = nextDueMs === undefined ? waitMs : Math.min(nextDueMs, waitMs);
        continue;
      }
      if (due.length >= options.limit) break;
      this.#latest.delete(id);
      this.#writtenAt.set(id, options.now);
      due.push(report);
    }
    return { due, nextDueMs };
  }

  /** The attempt ended (or the task left this node): nothing of it is kept. */
  forget(id: string): void {
    // Called for every finished task: most never reported progress.
    if (this.#writtenAt.size === 0 && this.#latest.size === 0) return;
    this.#latest.delete(id);
    this.#writtenAt.delete(id);
  }

  forgetNode(nodeId: string): void {
    for (const [id, report] of this.#latest) if (report.nodeId === nodeId) this.forget(id);
  }

  #waitMs(id: string, now: number): number {
    const writtenAt = this.#writtenAt.get(id);
    return writtenAt === undefined ? 0 : Math.max(0, writtenAt + PROGRESS_WRITE_INTERVAL_MS - now);
  }
}

/** The `progress` column's JSON: {fraction, message, at}. */
export function progressJson(report: ProgressReport): string {
  const message = report.message === null ? 'null' : JSON.stringify(report.message);
  return `{"fraction":${report.fraction},"message":${message},"at":"${report.at}"}`;
}

export function progressEvent(report: ProgressReport): TaskLifecycleEvent {
  return taskEvent(report.task, {
    kind: 'progress',
    attempt: report.attempt,
    nodeId: report.nodeId,
    at: report.at,
    progress: report.fraction,
    progressMessage: report.message,
  });
}
