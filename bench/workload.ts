/**
 * What every system is asked to do, and the shape of what a child process reports back. The
 * sizes follow issue 4; `--quick` shrinks them so a whole run stays under five minutes.
 */
export const SYSTEMS = [
  'ceiling',
  'ceiling-history',
  'ours',
  'graphile-worker',
  'graphile-worker-defaults',
  'pg-boss',
  'pg-boss-defaults',
  'bullmq',
  'bullmq-defaults',
] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** Systems whose packages live in bench/peers (installed with Node 24's npm on first use). */
export const PEER_SYSTEMS: readonly SystemName[] = [
  'graphile-worker',
  'graphile-worker-defaults',
  'pg-boss',
  'pg-boss-defaults',
  'bullmq',
  'bullmq-defaults',
];

export type ScenarioName =
  | 'enqueue'
  | 'drain-c10'
  | 'drain-c50'
  /** c10 drain of tasks spread over 100 concurrency keys (maxPerKey 5): the keyed claim. */
  | 'drain-keys'
  /** c10 drain of a queue with a rate limit above what it can reach: the booked claim's cost. */
  | 'drain-rate'
  /** Claim → complete over HTTP by 10 runWorker instances of pgtask/client (5 slots each). */
  | 'remote-workers'
  | 'latency'
  | 'rss-backlog'
  | 'http-enqueue'
  | 'single-insert'
  | 'instances-1'
  | 'instances-2'
  | 'instances-3'
  | 'at-scale'
  | 'soak';

/**
 * The order of a round: scenario by scenario, each run for every system that has it, so the
 * figures compared in a ratio are measured minutes apart at most, under the same machine load.
 */
export const SCENARIO_ORDER: readonly ScenarioName[] = [
  'enqueue',
  'drain-c10',
  'drain-c50',
  'drain-keys',
  'drain-rate',
  'remote-workers',
  'latency',
  'single-insert',
  'http-enqueue',
  'instances-1',
  'instances-2',
  'instances-3',
  'rss-backlog',
  'at-scale',
];

export function scenariosFor(system: SystemName): ScenarioName[] {
  const common: ScenarioName[] = ['enqueue', 'drain-c10', 'drain-c50', 'latency'];
  if (system === 'ours') {
    return [
      ...common,
      'drain-keys',
      'drain-rate',
      'remote-workers',
      'http-enqueue',
      'instances-1',
      'instances-2',
      'instances-3',
      'rss-backlog',
      'at-scale',
    ];
  }
  if (system === 'ceiling') return [...common, 'single-insert'];
  return common;
}

export interface Workload {
  quick: boolean;
  /** Tasks enqueued (batches of `batchSize`) and drained. */
  tasks: number;
  batchSize: number;
  /** Tasks a claim statement may take at once (the ceiling's and the peers' buffer size). */
  claimSize: number;
  /** Enqueue-to-start latency: one task per call at `latencyRate`/s for `latencySeconds`. */
  latencyRate: number;
  latencySeconds: number;
  latencyConcurrency: number;
  /** Rows waiting in our tasks table while RSS is sampled, and how long it is sampled. */
  backlogRows: number;
  backlogSeconds: number;
  /** A drain still running after this long is stopped and reported as a rate over what finished. */
  drainTimeBoxSeconds: number;
  /** HTTP enqueue: how long autocannon runs per batch size, and its connections. */
  httpSeconds: number;
  httpConnections: number;
  /** Several instances of ours on one PostgreSQL: tasks drained, and each instance's concurrency. */
  instanceTasks: number;
  instanceConcurrency: number;
  /** Remote workers over HTTP (runWorker): how many, and the slots of each. */
  remoteWorkers: number;
  remoteConcurrencyEach: number;
  /** Flat at scale: finished tasks loaded, and history rows per task (10 × 1,000,000 = 10,000,000). */
  scaleTasks: number;
  scaleEventsPerTask: number;
}

export function workloadFor(quick: boolean): Workload {
  return {
    quick,
    tasks: quick ? 5_000 : 20_000,
    batchSize: 1_000,
    claimSize: 500,
    latencyRate: 200,
    latencySeconds: quick ? 5 : 10,
    latencyConcurrency: 10,
    backlogRows: quick ? 200_000 : 1_000_000,
    backlogSeconds: quick ? 3 : 5,
    drainTimeBoxSeconds: quick ? 10 : 30,
    httpSeconds: quick ? 3 : 8,
    httpConnections: 10,
    instanceTasks: quick ? 10_000 : 30_000,
    instanceConcurrency: 50,
    remoteWorkers: 10,
    remoteConcurrencyEach: 5,
    scaleTasks: quick ? 100_000 : 1_000_000,
    scaleEventsPerTask: 10,
  };
}

/** What one child process measured. Every count was checked before it was reported. */
export interface ScenarioResult {
  system: SystemName;
  scenario: ScenarioName;
  ok: boolean;
  error?: string;
  /** Tasks per second (enqueue, drain) or requests/tasks per second (HTTP). */
  perSecond?: number;
  elapsedMs?: number;
  tasks?: number;
  /** Set when a drain did not finish inside its time box: the rate is over `completed` tasks. */
  timeBoxed?: boolean;
  completed?: number;
  latency?: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; samples: number };
  rss: RssSummary;
  /** Rows the system keeps after a task succeeded, measured at the end of the scenario. */
  storedPerTask?: StoredPerTask;
  /** Anything scenario-specific worth keeping (HTTP figures, backlog size, …). */
  extra?: Record<string, unknown>;
  /** The Node version the child ran on, and the machine's 1-minute load average when it started. */
  node?: string;
  load1?: number;
  /** Which round of `--rounds` this result is from (1-based). */
  round?: number;
}

export interface RssSummary {
  /** Before the measured phase started (libraries loaded, connections open). */
  baselineMb: number;
  /** Highest sample during the measured phase. */
  peakMb: number;
  /** Last sample of the measured phase. */
  endMb: number;
  samples: number;
}

export interface StoredPerTask {
  /** Rows left in the system's job/task table per succeeded task (0 when it deletes them). */
  taskRows: number;
  /** History rows per task (task_events for us, the events table for ceiling-history). */
  historyRows: number;
}

export interface ChildRequest {
  system: SystemName;
  scenario: ScenarioName;
  databaseUrl: string;
  workload: Workload;
  outFile: string;
  /** `--soak`: how long, in milliseconds. */
  soakMs?: number;
}
