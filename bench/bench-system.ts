/**
 * The one shape every benchmarked system is driven through, so the scenarios (scenarios.ts)
 * time and check all of them in the same way. Each task carries its index as payload `{ i }`,
 * and every handler reports `onStart(i)` as its first act.
 */
export interface BenchSystem {
  /** Creates the system's schema in a fresh, empty database. */
  prepare(): Promise<void>;
  /** Stores the tasks with these indices in one call of the system's own enqueue API. */
  enqueue(indices: readonly number[]): Promise<void>;
  /** Starts processing with at most `concurrency` no-op handlers running at once. */
  startWorkers(options: { concurrency: number; onStart: (index: number) => void }): Promise<void>;
  /** Graceful: every started task has its outcome written when this resolves. */
  stopWorkers(): Promise<void>;
  /** Tasks whose success is recorded (rows gone, for a system that deletes finished jobs). */
  countSucceeded(): Promise<number>;
  /** Rows held now: in the job/task table and in a history table. */
  countRows(): Promise<{ taskRows: number; historyRows: number }>;
  /** Throws unless every one of `succeeded` tasks has its history recorded (systems that keep one). */
  verifyHistory?(succeeded: number): Promise<void>;
  /** Inserts `rows` waiting tasks straight into the table (the RSS-with-backlog scenario). */
  fillBacklog?(rows: number): Promise<void>;
  /** The settings in force at this concurrency, for results.json. */
  settings(concurrency: number): Record<string, unknown>;
  close(): Promise<void>;
}

export interface BenchSystemOptions {
  databaseUrl: string;
  claimSize: number;
}
