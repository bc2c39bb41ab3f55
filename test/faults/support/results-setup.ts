import { mkdirSync, rmSync } from 'node:fs';
import { RESULTS_DIR } from './results.js';

/** Each run of the fault suite starts with an empty results folder (read by the README table). */
export default function setup(): void {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });
}
