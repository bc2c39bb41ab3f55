import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('parseDuration (Go-style, to whole milliseconds)', () => {
  it.each([
    ['0', 0],
    ['500ms', 500],
    ['5s', 5_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m10s', 9_910_000],
    ['1h1h', 7_200_000],
    ['0.5s', 500],
    ['250us', 1],
    ['250µs', 1],
    ['1ns', 1],
    ['1500us', 2],
    ['  5s  ', 5_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '   ', '5', '10 s', '-5s', '5S', '5sec', '1d', 's', '.5s', '5s5', 'ms', '1m 30s'])(
    '%j is rejected',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [1_500, '1500ms'],
    [5_000, '5s'],
    [90_000, '90s'],
    [120_000, '2m'],
    [7_200_000, '2h'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([0, 1, 999, 1_000, 61_000, 3_600_000, 86_400_000])('%d ms survives a round trip', (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
