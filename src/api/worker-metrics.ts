import { Counter, type Registry } from 'prom-client';
import type { TaskLifecycleEvent } from '../events/task-event.js';

/** How the engine names an HTTP worker's lease holder: `worker:NAME/<lease id>`. */
const WORKER_HOLDER = /^worker:([^/]+)\//;

/**
 * Counters of the HTTP worker protocol per worker name, fed from the same event batches as the
 * task counters: claims (a task started under a worker's lease), completions, failures (its
 * fail calls) and lost leases (leases that ran out and were rescued as "worker lost").
 */
export function workerMetrics(registry: Registry): (event: TaskLifecycleEvent) => void {
  const registers = [registry];
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['worker'] as const, registers });
  const claims = counter('pgtask_worker_claims_total', 'Tasks claimed by each HTTP worker');
  const completions = counter('pgtask_worker_completions_total', 'Tasks each HTTP worker completed');
  const failures = counter('pgtask_worker_failures_total', 'Failed attempts each HTTP worker reported');
  const lost = counter(
    'pgtask_worker_lost_leases_total',
    'Leases of each HTTP worker that ran out and were rescued (worker lost)',
  );
  return (event) => {
    const worker = event.nodeId ? WORKER_HOLDER.exec(event.nodeId)?.[1] : undefined;
    if (!worker) return;
    if (event.kind === 'started') claims.inc({ worker });
    else if (event.kind === 'succeeded') completions.inc({ worker });
    else if (event.kind === 'retrying' || event.kind === 'dead' || event.kind === 'failed') {
      if (event.error?.startsWith('worker lost')) lost.inc({ worker });
      else failures.inc({ worker });
    }
  };
}
