import type { ChildRequest, ScenarioResult } from '../workload.js';
import { NotAvailableError } from './not-available.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

/**
 * HTTP enqueue throughput (issue 5): `POST /tasks/enqueue` over keep-alive with autocannon,
 * batches of 1,000 and of 1. Waits for src/api to expose the enqueue route.
 */
export async function measureHttpEnqueue(_request: ChildRequest): Promise<Measured> {
  throw new NotAvailableError('POST /tasks/enqueue is not in src/api yet');
}
