import { describe, expect, it } from 'vitest';
import { sleepTask } from '../../src/tasks/sleep.js';
import { issuesOf, makeContext } from './task-context.js';

describe('Sleep', () => {
  it('accepts a duration in milliseconds from 0 to 24 h', () => {
    for (const duration of [0, 1500, 86_400_000]) {
      expect(sleepTask.payloadSchema.safeParse({ duration }).success, String(duration)).toBe(true);
    }
  });

  it.each([
    [{ duration: -1 }, 'duration: a duration of at least 0 ms'],
    [{ duration: 1.5 }, 'duration: a whole number of milliseconds'],
    [{ duration: '5s' }, 'duration: a duration in milliseconds'],
    [{ duration: 86_400_001 }, 'duration: a duration of at most 86,400,000 ms (24 h)'],
    [{}, 'duration: a duration in milliseconds'],
    [{ duration: 5, extra: true }, 'extra'],
  ])('rejects %j with a useful message', (payload, message) => {
    expect(issuesOf(sleepTask.payloadSchema.safeParse(payload)).join('\n')).toContain(message);
  });

  it('waits and reports how long it slept', async () => {
    await expect(sleepTask.run({ duration: 5 }, makeContext())).resolves.toEqual({ sleptMs: 5 });
  });

  it('rejects with the abort reason as soon as its signal aborts', async () => {
    const controller = new AbortController();
    // A day-long sleep: only a prompt abort lets this test finish within its timeout.
    const sleeping = Promise.resolve(
      sleepTask.run({ duration: 86_400_000 }, makeContext({ signal: controller.signal })),
    );
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    await expect(sleeping).rejects.toThrow('cancelled');
  });

  it('does not start when its signal is already aborted', async () => {
    const signal = AbortSignal.abort(new Error('shutting down'));
    await expect(
      Promise.resolve(sleepTask.run({ duration: 86_400_000 }, makeContext({ signal }))),
    ).rejects.toThrow('shutting down');
  });
});
