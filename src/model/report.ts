/** One (type, status) line of the task statistics a report is built from; run durations in ms. */
export interface TaskStatsRow {
  type: string;
  status: string;
  count: number;
  /** Over tasks with both started_at and finished_at; null when none has both. */
  avgRunMs: number | null;
  p95RunMs: number | null;
  maxRunMs: number | null;
}
