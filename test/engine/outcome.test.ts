import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, retryDelayMs } from '../../src/engine/backoff.js';
import { decideOutcome, describeError, serializeResult } from '../../src/engine/outcome.js';
import { PermanentError } from '../../src/tasks/task-handler.js';

describe('retry decisions', () => {
  it.each([
    { name: 'success', error: undefined, attempt: 1, maxAttempts: 3, status: 'succeeded' },
    { name: 'first failure retries', error: new Error('x'), attempt: 1, maxAttempts: 3, status: 'retrying' },
    { name: 'last attempt goes dead', error: new Error('x'), attempt: 3, maxAttempts: 3, status: 'dead' },
    {
      name: 'permanent error goes dead at once',
      error: new PermanentError('x'),
      attempt: 1,
      maxAttempts: 9,
      status: 'dead',
    },
    { name: 'no retries allowed', error: new Error('x'), attempt: 1, maxAttempts: 1, status: 'dead' },
  ])('$name', ({ error, attempt, maxAttempts, status }) => {
    expect(decideOutcome({ error, attempt, maxAttempts, backoffMs: 100 }).toStatus).toBe(status);
  });

  it('releases without penalty at shutdown', () => {
    expect(
      decideOutcome({ cause: 'shutdown', error: new Error('x'), attempt: 1, maxAttempts: 1, backoffMs: 1 }),
    ).toMatchObject({
      toStatus: 'queued',
      refund: true,
    });
    expect(decideOutcome({ cause: 'shutdown', attempt: 3, maxAttempts: 3, backoffMs: 1 }).toStatus).toBe(
      'retrying',
    );
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [10, 512_000],
  ])('backoff doubles per retry (retry %i → %i ms ± 20%%)', (attempt, base) => {
    expect(retryDelayMs({ backoffMs: 1000, attempt, random: () => 0 })).toBe(Math.round(base * 0.8));
    expect(retryDelayMs({ backoffMs: 1000, attempt, random: () => 0.5 })).toBe(base);
    expect(retryDelayMs({ backoffMs: 1000, attempt, random: () => 1 })).toBe(Math.round(base * 1.2));
  });

  it('caps the backoff', () => {
    expect(retryDelayMs({ backoffMs: 1000, attempt: 40, random: () => 0.5 })).toBe(MAX_BACKOFF_MS);
  });

  it('stores results PostgreSQL can hold and refuses ones it cannot serialise', () => {
    expect(serializeResult(undefined)).toBe('null');
    expect(serializeResult({ a: 'x\u0000y' })).toBe('{"a":"xy"}');
    expect(serializeResult({ a: 'lone \ud800 surrogate' })).toBe('{"a":"lone \ufffd surrogate"}');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(serializeResult(circular)).toBeInstanceOf(Error);
    expect(serializeResult({ big: 10n })).toBeInstanceOf(Error);
  });

  it('records error text PostgreSQL can store, bounded in length', () => {
    expect(describeError(new Error('a\u0000b'))).toBe('ab');
    const long = describeError(new Error(`${'x'.repeat(3999)}😀tail`));
    expect(long.length).toBeLessThanOrEqual(4000);
    expect(long.isWellFormed()).toBe(true);
  });
});
