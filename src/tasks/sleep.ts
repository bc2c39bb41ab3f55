import { z } from 'zod';
import { defineHandler } from './task-handler.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const sleepPayload = z.strictObject({
  duration: z
    .number({ error: 'a duration in milliseconds' })
    .int('a whole number of milliseconds')
    .min(0, 'a duration of at least 0 ms')
    .max(DAY_MS, 'a duration of at most 86,400,000 ms (24 h)'),
});

export type SleepPayload = z.infer<typeof sleepPayload>;

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const sleepTask = defineHandler({
  type: 'Sleep',
  description: 'Waits `duration` milliseconds (up to 24 h); stops at once when cancelled or timed out.',
  payloadSchema: sleepPayload,
  // The longest sleep plus a minute, so the timeout never cuts a valid sleep short.
  defaults: { timeoutMs: DAY_MS + 60_000 },
  async run(payload, ctx): Promise<{ sleptMs: number }> {
    await sleep(payload.duration, ctx.signal);
    return { sleptMs: payload.duration };
  },
});
