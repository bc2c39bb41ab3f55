import { afterAll, describe, expect, it } from 'vitest';
import { ThreadRunner } from '../../src/engine/thread-runner.js';
import { createLogger } from '../../src/logger.js';
import { fibonacci, fibonacciTask } from '../../src/tasks/fibonacci.js';
import { issuesOf } from './task-context.js';

// Checked against an independent iteration (F(0) = 0, F(1) = 1): 63 digits.
const FIB_303 = '941390895042587567453271223806288165311401367715034229502159202';

const runner = new ThreadRunner({ size: 1, log: createLogger({ level: 'silent', pretty: false }) });
afterAll(() => runner.close());

function runInThread(n: number) {
  return runner.run({
    moduleUrl: fibonacciTask.thread!.moduleUrl,
    payload: fibonacciTask.payloadSchema.parse({ n }),
    ctx: { taskId: `fib-${n}`, attempt: 1, queue: 'default' },
  });
}

describe('Fibonacci', () => {
  it('computes exact values', () => {
    const expected = [0n, 1n, 1n, 2n, 3n, 5n, 8n, 13n, 21n, 34n, 55n];
    expect(Array.from({ length: 11 }, (_, n) => fibonacci(n))).toEqual(expected);
    expect(fibonacci(93)).toBe(12200160415121876738n);
    expect(fibonacci(303).toString()).toBe(FIB_303);
  });

  it('satisfies F(n + 2) = F(n + 1) + F(n) up to n = 10000', () => {
    for (let n = 0; n + 2 <= 10_000; n += 97) {
      expect(fibonacci(n + 2)).toBe(fibonacci(n + 1) + fibonacci(n));
    }
  });

  it('returns F(303) exactly as a decimal string when run in its worker thread', async () => {
    await expect(runInThread(303)).resolves.toEqual({ n: 303, value: FIB_303, digits: 63 });
  });

  it('handles the bounds: F(0) = 0, F(1) = 1, F(10000) has 2090 digits', async () => {
    await expect(runInThread(0)).resolves.toEqual({ n: 0, value: '0', digits: 1 });
    await expect(runInThread(1)).resolves.toEqual({ n: 1, value: '1', digits: 1 });
    const result = (await runInThread(10_000)) as { value: string; digits: number };
    expect(result.digits).toBe(2090);
    expect(result.value).toMatch(/^33644764876431783266\d+366875$/);
  });

  it.each([
    [{ n: -1 }, 'n: n of at least 0'],
    [{ n: 10_001 }, 'n: n of at most 10000'],
    [{ n: 2.5 }, 'n: n must be a whole number'],
    [{ n: '10' }, 'n: n, a whole number'],
    [{}, 'n: n, a whole number'],
  ])('rejects %j with a useful message', (payload, message) => {
    expect(issuesOf(fibonacciTask.payloadSchema.safeParse(payload)).join('\n')).toContain(message);
  });
});
