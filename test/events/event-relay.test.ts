import { describe, expect, it } from 'vitest';
import { countEvents, decodeChunk, encodeWindow, ThroughputHistory } from '../../src/engine/event-relay.js';
import type { TaskLifecycleEvent } from '../../src/events/task-event.js';

const makeEvent = (overrides: Partial<TaskLifecycleEvent> = {}): TaskLifecycleEvent => ({
  kind: 'succeeded',
  taskId: '01a21b0b-ff95-702e-a5d9-2a8deba6deae',
  queue: 'default',
  type: 'Echo',
  priority: 2,
  attempt: 1,
  at: '2026-01-01T00:00:00.123Z',
  nodeId: 'node-a',
  ...overrides,
});

describe('the relay wire format', () => {
  it('round-trips events, with counts and omitted on the first chunk only', () => {
    const events = [makeEvent(), makeEvent({ kind: 'dead', error: 'boom', durationMs: 12, key: 'k1' })];
    const chunks = encodeWindow({
      relayId: 'r',
      nodeId: 'node-a',
      sequence: 1,
      events,
      counts: countEvents(events),
      omitted: 7,
    });
    expect(chunks).toHaveLength(1);
    const decoded = decodeChunk(chunks[0]!)!;
    expect(decoded.relayId).toBe('r');
    expect(decoded.batch).toEqual({
      nodeId: 'node-a',
      events,
      counts: { default: { succeeded: 1, dead: 1 } },
      omitted: 7,
    });
  });

  it('splits a full window into chunks under the 8000-byte NOTIFY limit, long errors cut', () => {
    const events = Array.from({ length: 300 }, (_, i) =>
      makeEvent({
        kind: 'retrying',
        taskId: `01a21b0b-ff95-702e-a5d9-${String(i).padStart(12, '0')}`,
        error: 'é'.repeat(5000),
      }),
    );
    const chunks = encodeWindow({
      relayId: 'r',
      nodeId: 'n',
      sequence: 2,
      events,
      counts: countEvents(events),
      omitted: 0,
    });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk)).toBeLessThan(8000);
    const decoded = chunks.map((chunk) => decodeChunk(chunk)!.batch);
    expect(decoded.flatMap((batch) => batch.events.map((event) => event.taskId))).toEqual(
      events.map((e) => e.taskId),
    );
    expect(decoded[0]!.counts).toEqual({ default: { retrying: 300 } });
    expect(decoded.slice(1).every((batch) => Object.keys(batch.counts).length === 0)).toBe(true);
    expect(decoded[0]!.events[0]!.error).toHaveLength(300);
  });

  it('ignores payloads that are not relay chunks', () => {
    for (const payload of ['', 'default', '{"x":1}', '[1,2]']) expect(decodeChunk(payload)).toBeUndefined();
  });
});

describe('ThroughputHistory', () => {
  it('keeps events per second for the configured span only', () => {
    let now = 1_000_000;
    const history = new ThroughputHistory({ seconds: 3, now: () => now });
    history.record({ q: { succeeded: 2 } });
    history.record({ q: { succeeded: 1, dead: 1 } });
    now += 1000;
    history.record({ q: { succeeded: 5 } });
    expect(history.snapshot()).toEqual([
      { t: 1000, counts: { q: { succeeded: 3, dead: 1 } } },
      { t: 1001, counts: { q: { succeeded: 5 } } },
    ]);
    now += 3000;
    expect(history.snapshot()).toEqual([]);
  });
});
