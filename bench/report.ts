import { round } from './measure.js';
import type { ScenarioName, ScenarioResult, SystemName } from './workload.js';

/** What each system keeps for a task that succeeded; the measured row counts sit next to it. */
export const WRITES_PER_TASK: Record<SystemName, string> = {
  ceiling: 'one row, updated when claimed and when done; no history',
  'ceiling-history':
    'one row plus an event row per status change (queued, running, succeeded), same statements',
  ours: 'one tasks row kept, plus a task_events row per status change, same transaction',
  'graphile-worker': 'one job row, deleted on success; no history',
  'graphile-worker-defaults': 'one job row, deleted on success; no history',
  'pg-boss': "one job row, kept as 'completed' (archived later); no history",
  'pg-boss-defaults': "one job row, kept as 'completed' (archived later); no history",
  bullmq: 'one job row, deleted on success (removeOnComplete); events-stream rows, trimmed to ~10,000',
  'bullmq-defaults': "one job row, kept as 'completed'; events-stream rows, trimmed to ~10,000",
};

export interface SystemSummary {
  enqueue_per_s: number | null;
  drain_c10_per_s: number | null;
  drain_c50_per_s: number | null;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  /** ours: peak with the backlog of `rss_backlog_rows` waiting; others: peak during the c50 drain. */
  rss_mb: number | null;
  rss_measured_during: string | null;
  /** Drains stopped at the time box: their rate is over the tasks that finished. */
  time_boxed: string[];
  /** Set when the system could not start tasks as fast as they were sent (no latency figure then). */
  latency_fell_behind: { started_per_s: unknown; note: unknown } | null;
  writes_per_task: { task_rows_kept: number | null; history_rows: number | null; what: string };
  failures: Partial<Record<ScenarioName, string>>;
  [extra: string]: unknown;
}

function find(
  results: ScenarioResult[],
  system: SystemName,
  scenario: ScenarioName,
): ScenarioResult | undefined {
  return results.find((result) => result.system === system && result.scenario === scenario && result.ok);
}

export function summarise(
  results: ScenarioResult[],
  systems: readonly SystemName[],
): Record<string, SystemSummary> {
  const summary: Record<string, SystemSummary> = {};
  for (const system of systems) {
    const enqueue = find(results, system, 'enqueue');
    const c10 = find(results, system, 'drain-c10');
    const c50 = find(results, system, 'drain-c50');
    const latency = find(results, system, 'latency');
    const backlog = find(results, system, 'rss-backlog');
    const failures: SystemSummary['failures'] = {};
    for (const result of results) {
      if (result.system === system && !result.ok) failures[result.scenario] = result.error;
    }
    const stored = c50?.storedPerTask ?? c10?.storedPerTask;
    const entry: SystemSummary = {
      enqueue_per_s: enqueue?.perSecond ?? null,
      drain_c10_per_s: c10?.perSecond ?? null,
      drain_c50_per_s: c50?.perSecond ?? null,
      latency_p50_ms: latency?.latency?.p50Ms ?? null,
      latency_p99_ms: latency?.latency?.p99Ms ?? null,
      rss_mb: backlog ? backlog.rss.peakMb : (c50?.rss.peakMb ?? null),
      rss_measured_during: backlog
        ? `${backlog.tasks!.toLocaleString('en-US')} tasks waiting in the table`
        : c50
          ? 'the c50 drain'
          : null,
      latency_fell_behind: latency?.extra?.fellBehind
        ? { started_per_s: latency.extra.startedPerSecond, note: latency.extra.note }
        : null,
      time_boxed: [c10, c50].filter((result) => result?.timeBoxed).map((result) => result!.scenario),
      writes_per_task: {
        task_rows_kept: stored?.taskRows ?? null,
        history_rows: stored?.historyRows ?? null,
        what: WRITES_PER_TASK[system],
      },
      failures,
    };
    if (system === 'ours') {
      entry.rss_drain_c50_mb = c50?.rss.peakMb ?? null;
      entry.rss_backlog_each_second_mb = backlog?.extra?.rssEachSecondMb ?? null;
      const http = results.find((result) => result.system === 'ours' && result.scenario === 'http-enqueue');
      entry.http_enqueue = http?.ok ? http.extra : { available: false, reason: http?.error ?? 'not run' };
      entry.drain_keys100_per_s = find(results, system, 'drain-keys')?.perSecond ?? null;
      entry.drain_rate_limited_per_s = find(results, system, 'drain-rate')?.perSecond ?? null;
      entry.remote_workers_per_s = find(results, system, 'remote-workers')?.perSecond ?? null;
      for (const count of [1, 2, 3]) {
        const instances = find(results, system, `instances-${count}` as ScenarioName);
        entry[`instances_${count}_per_s`] = instances?.perSecond ?? null;
        if (instances) entry[`instances_${count}_shares`] = instances.extra?.tasksPerInstance;
      }
    }
    if (system === 'ceiling') {
      const single = find(results, system, 'single-insert');
      entry.single_insert_per_s = single?.perSecond ?? null;
      entry.single_insert_latency = single?.latency ?? null;
    }
    if (system === 'ours') {
      const scale = find(results, system, 'at-scale');
      entry.at_scale = scale ? scale.extra : null;
    }
    entry.node = results.find((result) => result.system === system && result.node)?.node ?? null;
    entry.version =
      (
        results.find((result) => result.system === system && result.extra?.settings)?.extra?.settings as
          | { version?: string }
          | undefined
      )?.version ?? null;
    summary[system] = entry;
  }
  return summary;
}

type Figure = 'enqueue_per_s' | 'drain_c10_per_s' | 'drain_c50_per_s' | 'latency_p50_ms' | 'latency_p99_ms';

function ratio(summary: Record<string, SystemSummary>, figure: Figure, against: string): number | null {
  const ours = summary.ours?.[figure];
  const other = summary[against]?.[figure];
  if (ours == null || other == null || other === 0) return null;
  return round(ours / other, 2);
}

/** Ours divided by each baseline (throughput: higher is better; latency: lower is better). */
export function ratios(summary: Record<string, SystemSummary>) {
  const against = [
    'ceiling',
    'ceiling-history',
    'graphile-worker',
    'graphile-worker-defaults',
    'pg-boss',
    'pg-boss-defaults',
    'bullmq',
    'bullmq-defaults',
  ];
  const figures: Figure[] = [
    'enqueue_per_s',
    'drain_c10_per_s',
    'drain_c50_per_s',
    'latency_p50_ms',
    'latency_p99_ms',
  ];
  const table: Record<string, Record<string, number | null>> = {};
  for (const other of against) {
    if (!summary[other]) continue;
    table[`ours_vs_${other}`] = Object.fromEntries(
      figures.map((figure) => [figure, ratio(summary, figure, other)]),
    );
  }
  return { ...table, targets: targets(summary) };
}

export interface TargetCheck {
  target: string;
  ours: number | null;
  other: number | null;
  /** ours / other (for a limit in MB: ours / the limit). */
  ratio: number | null;
  wanted: string;
  pass: boolean | null;
}

/** The targets of issue 15, each with its ratio in this run and whether it is met. */
export function targets(summary: Record<string, SystemSummary>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const value = (system: string, figure: string): number | null =>
    (summary[system]?.[figure] as number | null | undefined) ?? null;
  const atLeast = (target: string, ours: number | null, other: number | null, wanted: number) => {
    const r = ours == null || other == null || other === 0 ? null : round(ours / other, 2);
    checks.push({
      target,
      ours,
      other,
      ratio: r,
      wanted: `>= ${wanted}x`,
      pass: r == null ? null : r >= wanted,
    });
  };
  for (const drain of ['drain_c10_per_s', 'drain_c50_per_s'] as const) {
    const label = drain === 'drain_c10_per_s' ? 'drain c10' : 'drain c50';
    atLeast(`${label} vs graphile-worker best`, value('ours', drain), value('graphile-worker', drain), 1);
    atLeast(`${label} vs BullMQ best`, value('ours', drain), value('bullmq', drain), 1);
    atLeast(`${label} vs raw SQL + history`, value('ours', drain), value('ceiling-history', drain), 0.95);
  }
  atLeast(
    'enqueue vs graphile-worker addJobs',
    value('ours', 'enqueue_per_s'),
    value('graphile-worker', 'enqueue_per_s'),
    1,
  );
  atLeast('enqueue vs BullMQ addBulk', value('ours', 'enqueue_per_s'), value('bullmq', 'enqueue_per_s'), 1);
  atLeast('enqueue vs raw SQL', value('ours', 'enqueue_per_s'), value('ceiling', 'enqueue_per_s'), 0.5);
  const http = summary.ours?.http_enqueue as { batch1?: { tasksPerSecond: number } } | undefined;
  atLeast(
    'HTTP single-task enqueue (10 connections) vs raw single-row INSERT; COMMIT',
    http?.batch1?.tasksPerSecond ?? null,
    value('ceiling', 'single_insert_per_s'),
    0.6,
  );
  const p99 = value('ours', 'latency_p99_ms');
  const rawP99 = value('ceiling', 'latency_p99_ms');
  const p99Ratio = p99 == null || rawP99 == null || rawP99 === 0 ? null : round(p99 / rawP99, 2);
  checks.push({
    target: 'enqueue→start p99 vs raw SQL',
    ours: p99,
    other: rawP99,
    ratio: p99Ratio,
    wanted: '<= 1x',
    pass: p99Ratio == null ? null : p99Ratio <= 1,
  });
  const rss = (summary.ours?.rss_drain_c50_mb as number | null | undefined) ?? null;
  checks.push({
    target: 'peak RSS during the c50 drain (MB)',
    ours: rss,
    other: 100,
    ratio: rss == null ? null : round(rss / 100, 2),
    wanted: '<= 100 MB',
    pass: rss == null ? null : rss <= 100,
  });
  atLeast(
    '3 instances vs 1 instance (drain)',
    value('ours', 'instances_3_per_s'),
    value('ours', 'instances_1_per_s'),
    1.3,
  );
  return checks;
}

export function renderTargets(checks: readonly TargetCheck[]): string {
  const lines = ['| target | ours | other | ratio | wanted | |', '| --- | ---: | ---: | ---: | --- | --- |'];
  const show = (n: number | null) => (n == null ? '—' : n.toLocaleString('en-US'));
  for (const check of checks) {
    const verdict = check.pass == null ? 'not measured' : check.pass ? 'pass' : '**miss**';
    lines.push(
      `| ${check.target} | ${show(check.ours)} | ${show(check.other)} | ${check.ratio == null ? '—' : `${check.ratio}×`} | ${check.wanted} | ${verdict} |`,
    );
  }
  return lines.join('\n');
}

const DISPLAY: Record<string, string> = {
  ceiling: 'raw SQL ceiling (no history)',
  'ceiling-history': 'raw SQL ceiling + history rows',
  ours: 'ours (engine in-process)',
  'graphile-worker': 'graphile-worker {v}, localQueue 500 + batched completion',
  'graphile-worker-defaults': 'graphile-worker {v}, defaults',
  'pg-boss': 'pg-boss {v}, batchSize c, poll 0.5 s, burst, LISTEN/NOTIFY',
  'pg-boss-defaults': 'pg-boss {v}, defaults (localConcurrency c, poll 2 s)',
  bullmq: 'BullMQ {v} on PostgreSQL, pool = c, removeOnComplete',
  'bullmq-defaults': 'BullMQ {v} on PostgreSQL, defaults',
};

function cell(value: number | null, failed: boolean, timeBoxed = false): string {
  if (failed) return 'FAIL';
  if (value == null) return '—';
  return `${value.toLocaleString('en-US')}${timeBoxed ? '*' : ''}`;
}

/** A markdown table, pasteable into the README. */
export function renderTable(summary: Record<string, SystemSummary>): string {
  const lines = [
    '| system | Node | enqueue/s (batches of 1,000) | drain c10/s | drain c50/s | enqueue→start p50 / p99 ms at 200/s | RSS MB | rows kept per task (task + history) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const [system, entry] of Object.entries(summary)) {
    const failed = (scenario: ScenarioName) => entry.failures[scenario] !== undefined;
    const latency = entry.latency_fell_behind
      ? `falls behind (${entry.latency_fell_behind.started_per_s}/s)`
      : failed('latency') || entry.latency_p50_ms == null
        ? cell(null, failed('latency'))
        : `${entry.latency_p50_ms} / ${entry.latency_p99_ms}`;
    const rows = entry.writes_per_task;
    const kept = rows.task_rows_kept == null ? '—' : `${rows.task_rows_kept} + ${rows.history_rows}`;
    const rssFailed = system === 'ours' ? failed('rss-backlog') : failed('drain-c50');
    lines.push(
      `| ${(DISPLAY[system] ?? system).replace('{v}', String(entry.version ?? ''))} | ${entry.node ?? '—'} | ${cell(entry.enqueue_per_s, failed('enqueue'))} | ${cell(
        entry.drain_c10_per_s,
        failed('drain-c10'),
        entry.time_boxed.includes('drain-c10'),
      )} | ${cell(entry.drain_c50_per_s, failed('drain-c50'), entry.time_boxed.includes('drain-c50'))} | ${latency} | ${cell(
        entry.rss_mb,
        rssFailed,
      )} | ${kept} |`,
    );
  }
  const http = summary.ours?.http_enqueue as
    | { batch1000?: HttpFigures; batch1?: HttpFigures; available?: false; reason?: string }
    | undefined;
  if (http) {
    lines.push(
      '',
      '| ours over HTTP (`POST /tasks/enqueue`, keep-alive) | tasks/s | requests/s | request p50 / p99 ms |',
    );
    lines.push('| --- | ---: | ---: | ---: |');
    for (const figures of [http.batch1000, http.batch1]) {
      if (!figures) continue;
      lines.push(
        `| batches of ${figures.batchSize.toLocaleString('en-US')}, ${figures.connections} connections | ${figures.tasksPerSecond.toLocaleString('en-US')} | ${figures.requestsPerSecond.toLocaleString('en-US')} | ${figures.latencyP50Ms} / ${figures.latencyP99Ms} |`,
      );
    }
    if (http.available === false) lines.push(`| not measured: ${http.reason} | — | — | — |`);
    const single = summary.ceiling?.single_insert_per_s as number | null | undefined;
    const singleLatency = summary.ceiling?.single_insert_latency as { p50Ms: number; p99Ms: number } | null;
    if (single != null && singleLatency) {
      lines.push(
        `| raw SQL baseline: single-row \`INSERT …; COMMIT\`, 10 connections | ${single.toLocaleString('en-US')} | ${single.toLocaleString('en-US')} | ${singleLatency.p50Ms} / ${singleLatency.p99Ms} |`,
      );
    }
  }
  const plain = summary.ours?.drain_c10_per_s;
  const flows = [
    ['100 concurrency keys (maxPerKey 5)', summary.ours?.drain_keys100_per_s],
    ['a rate limit (1,000,000/s, not reached)', summary.ours?.drain_rate_limited_per_s],
  ] as const;
  if (flows.some(([, figure]) => figure != null)) {
    lines.push('', '| ours, drain c10 with flow limits | drain/s | vs plain c10 |', '| --- | ---: | ---: |');
    for (const [label, figure] of flows) {
      const value = figure as number | null | undefined;
      const ratio = value != null && plain ? `${round(value / plain, 2)}×` : '—';
      lines.push(`| ${label} | ${value == null ? '—' : value.toLocaleString('en-US')} | ${ratio} |`);
    }
  }
  const remote = summary.ours?.remote_workers_per_s as number | null | undefined;
  if (remote != null) {
    lines.push(
      '',
      '| ours, HTTP workers (`runWorker` ×10, 5 slots each, own process): claim → complete | tasks/s | vs in-process drain c50 |',
      '| --- | ---: | ---: |',
    );
    const inProcess = summary.ours?.drain_c50_per_s;
    const ratioToDrain = inProcess ? `${round(remote / inProcess, 2)}×` : '—';
    lines.push(`| 50 slots over HTTP | ${remote.toLocaleString('en-US')} | ${ratioToDrain} |`);
  }
  const scale = summary.ours?.at_scale as
    | {
        loadedTasks: number;
        loadedEvents: number;
        operations: { operation: string; unit: string; empty: number; loaded: number; ratio: number }[];
      }
    | null
    | undefined;
  if (scale) {
    lines.push(
      '',
      `| at scale: empty vs ${scale.loadedTasks.toLocaleString('en-US')} finished tasks + ${scale.loadedEvents.toLocaleString('en-US')} history rows | unit | empty | loaded | loaded / empty |`,
    );
    lines.push('| --- | --- | ---: | ---: | ---: |');
    for (const op of scale.operations) {
      lines.push(`| ${op.operation} | ${op.unit} | ${op.empty} | ${op.loaded} | ${op.ratio}× |`);
    }
  }
  const instances = [1, 2, 3].map(
    (count) => summary.ours?.[`instances_${count}_per_s`] as number | null | undefined,
  );
  if (instances.some((figure) => figure != null)) {
    lines.push(
      '',
      '| ours, instances on one PostgreSQL (c50 each, separate processes) | drain/s | vs one instance |',
    );
    lines.push('| --- | ---: | ---: |');
    instances.forEach((figure, index) => {
      const ratioToOne = figure != null && instances[0] ? `${round(figure / instances[0], 2)}×` : '—';
      lines.push(
        `| ${index + 1} | ${figure == null ? '—' : figure.toLocaleString('en-US')} | ${ratioToOne} |`,
      );
    });
  }
  return lines.join('\n');
}

interface HttpFigures {
  batchSize: number;
  connections: number;
  tasksPerSecond: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}
