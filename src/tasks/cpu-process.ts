import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineHandler } from './task-handler.js';

export const DEFAULT_CPU_ROUNDS = 200_000;
export const MAX_CPU_ROUNDS = 10_000_000;
/** The seed's way to exercise retries: this ProcessType always fails (a retryable error). */
export const FAILING_PROCESS_TYPE = 'want to fail';

export const cpuProcessPayload = z.strictObject({
  ProcessType: z.string({ error: 'ProcessType, a string' }).min(1, 'a non-empty ProcessType'),
  rounds: z
    .number({ error: 'rounds, a whole number' })
    .int('rounds must be a whole number')
    .min(1, 'at least 1 round')
    .max(MAX_CPU_ROUNDS, `at most ${MAX_CPU_ROUNDS.toLocaleString('en')} rounds`)
    .default(DEFAULT_CPU_ROUNDS),
});

export type CpuProcessPayload = z.input<typeof cpuProcessPayload>;

export interface CpuProcessResult {
  processType: string;
  rounds: number;
  /** sha256 applied `rounds` times, starting from the ProcessType. */
  digest: string;
}

/** How often the loop looks at its signal when it runs outside a thread (in a thread, terminate stops it). */
const SIGNAL_CHECK_EVERY = 10_000;

const cpuProcess = defineHandler({
  type: 'CPUProcess',
  description: `A sha256 hash chain of \`rounds\` rounds in a worker thread; ProcessType "${FAILING_PROCESS_TYPE}" fails on purpose.`,
  payloadSchema: cpuProcessPayload,
  defaults: { timeoutMs: 60_000 },
  thread: { moduleUrl: import.meta.url },
  run(payload, ctx): CpuProcessResult {
    if (payload.ProcessType === FAILING_PROCESS_TYPE) {
      throw new Error(
        `CPUProcess failed on purpose (ProcessType "${FAILING_PROCESS_TYPE}", attempt ${ctx.attempt})`,
      );
    }
    const rounds = payload.rounds ?? DEFAULT_CPU_ROUNDS;
    let digest = createHash('sha256').update(payload.ProcessType).digest();
    for (let round = 1; round < rounds; round++) {
      if (round % SIGNAL_CHECK_EVERY === 0) ctx.signal.throwIfAborted();
      digest = createHash('sha256').update(digest).digest();
    }
    return { processType: payload.ProcessType, rounds, digest: digest.toString('hex') };
  },
});

export { cpuProcess };
export default cpuProcess;
