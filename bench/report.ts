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
    }
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
  const c50VsCeiling = ratio(summary, 'drain_c50_per_s', 'ceiling');
  const c50VsHistory = ratio(summary, 'drain_c50_per_s', 'ceiling-history');
  const p50 = ratio(summary, 'latency_p50_ms', 'ceiling');
  const p99 = ratio(summary, 'latency_p99_ms', 'ceiling');
  const rss = summary.ours?.rss_mb ?? null;
  const targets = {
    'drain c50 >= 0.8x ceiling': c50VsCeiling == null ? null : c50VsCeiling >= 0.8,
    'drain c50 >= 0.9x ceiling-history': c50VsHistory == null ? null : c50VsHistory >= 0.9,
    'latency p50 <= 1.2x raw SQL': p50 == null ? null : p50 <= 1.2,
    'latency p99 <= 1.5x raw SQL': p99 == null ? null : p99 <= 1.5,
    'RSS < 120 MB with the backlog': rss == null ? null : rss < 120,
  };
  return { ...table, targets };
}

const DISPLAY: Record<string, string> = {
  ceiling: 'raw SQL ceiling (no history)',
  'ceiling-history': 'raw SQL ceiling + history rows',
  ours: 'ours (engine in-process)',
  'graphile-worker': 'graphile-worker 0.17, localQueue 500 + batched completion',
  'graphile-worker-defaults': 'graphile-worker 0.17, defaults',
  'pg-boss': 'pg-boss 10, batchSize c, poll 0.5 s',
  'pg-boss-defaults': 'pg-boss 10, defaults (c workers, poll 2 s)',
};

function cell(value: number | null, failed: boolean, timeBoxed = false): string {
  if (failed) return 'FAIL';
  if (value == null) return '—';
  return `${value.toLocaleString('en-US')}${timeBoxed ? '*' : ''}`;
}

/** A markdown table, pasteable into the README. */
export function renderTable(summary: Record<string, SystemSummary>): string {
  const lines = [
    '| system | enqueue/s (batches of 1,000) | drain c10/s | drain c50/s | enqueue→start p50 / p99 ms at 200/s | RSS MB | rows kept per task (task + history) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
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
      `| ${DISPLAY[system] ?? system} | ${cell(entry.enqueue_per_s, failed('enqueue'))} | ${cell(
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
