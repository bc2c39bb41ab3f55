import { z } from 'zod';
import { defineHandler } from './task-handler.js';

export const MAX_FIBONACCI_N = 10_000;

export const fibonacciPayload = z.strictObject({
  n: z
    .number({ error: 'n, a whole number' })
    .int('n must be a whole number')
    .min(0, 'n of at least 0')
    .max(MAX_FIBONACCI_N, `n of at most ${MAX_FIBONACCI_N}`),
});

export type FibonacciPayload = z.infer<typeof fibonacciPayload>;

export interface FibonacciResult {
  n: number;
  /** F(n) exactly, in decimal (F(0) = 0, F(1) = 1). */
  value: string;
  digits: number;
}

/** F(n) by fast doubling: F(2k) = F(k)(2F(k+1) − F(k)), F(2k+1) = F(k)² + F(k+1)². */
export function fibonacci(n: number): bigint {
  let a = 0n; // F(k)
  let b = 1n; // F(k+1)
  for (let bit = Math.floor(Math.log2(Math.max(n, 1))); bit >= 0; bit--) {
    const even = a * (2n * b - a);
    const odd = a * a + b * b;
    if ((n >> bit) & 1) {
      a = odd;
      b = even + odd;
    } else {
      a = even;
      b = odd;
    }
  }
  return a;
}

const fibonacciTask = defineHandler({
  type: 'Fibonacci',
  description: `The n-th Fibonacci number (n up to ${MAX_FIBONACCI_N}) as an exact decimal string.`,
  payloadSchema: fibonacciPayload,
  defaults: { timeoutMs: 30_000 },
  thread: { moduleUrl: import.meta.url },
  run(payload): FibonacciResult {
    const value = fibonacci(payload.n).toString();
    return { n: payload.n, value, digits: value.length };
  },
});

export { fibonacciTask };
export default fibonacciTask;
