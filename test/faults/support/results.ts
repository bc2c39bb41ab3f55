import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './service.js';

/** One JSON file per scenario: what the suite measured, for the README's results table. */
export const RESULTS_DIR = join(REPO, '.test-data', 'faults');

export interface ScenarioResult {
  scenario: string;
  /** One line a reader of the table understands ("10,000 tasks, 0 double starts, shares 33/33/34 %"). */
  result: string;
  /** Measured figures (ms, MB, counts) for the table and for comparing runs. */
  figures?: Record<string, number | string>;
}

/** Prints the scenario's figures and keeps them in .test-data/faults/<id>.json. */
export function recordResult(id: string, result: ScenarioResult): void {
  console.log(`[fault-suite] ${result.scenario}: ${result.result} ${JSON.stringify(result.figures ?? {})}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, `${id}.json`),
    `${JSON.stringify({ id, ...result, at: new Date().toISOString() }, null, 2)}\n`,
  );
}
