/**
 * Statuses a task can hold; "waiting" means queued or retrying (ready once run_at is due).
 * `blocked`: waits for its parents (dependsOn); never claimed until the last one resolves it.
 * Kept apart from schema.ts so the running service never loads drizzle-orm's table builders.
 */
export const TASK_STATUSES = [
  'blocked',
  'queued',
  'running',
  'succeeded',
  'retrying',
  'dead',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
