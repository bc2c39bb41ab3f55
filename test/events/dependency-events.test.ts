import { describe, expect, it } from 'vitest';
import {
  enqueueOverHttp,
  openStream,
  type SseFrame,
  serveForSuite,
  streamedEvents,
} from './service-harness.js';

const enqueue = enqueueOverHttp;

/** The events of one task as streamed so far, in arrival order. */
const eventsOf = (frames: SseFrame[], id: string) =>
  streamedEvents(frames).filter((event) => event.taskId === id) as unknown as Array<{
    kind: string;
    nodeId: string;
    queue: string;
    type: string;
    attempt: number;
    error?: string;
  }>;

const countOf = (frames: SseFrame[], queue: string, kind: string) =>
  frames
    .filter((frame) => frame.event === 'tasks')
    .reduce((sum, frame) => sum + (frame.data.counts[queue]?.[kind] ?? 0), 0);

describe('GET /events carries the changes the dependency trigger makes', () => {
  const service = serveForSuite({ config: { queue: { workerPoolSize: 8, maxBufferSize: 500 } } });

  it("a child released by its parent's success: released, then it runs", async () => {
    const stream = await openStream(service.baseUrl);
    try {
      const [parent, child] = await enqueue(service.baseUrl, [
        { taskType: 'Echo', queue: 'flow', payload: { message: 'parent' } },
        { taskType: 'Echo', queue: 'flow', dependsOn: [0], payload: { message: 'child' } },
      ]);
      expect(child!.status).toBe('blocked');
      await stream.waitFor((frames) =>
        eventsOf(frames, child!.id).some((event) => event.kind === 'succeeded'),
      );
      const released = eventsOf(stream.frames, child!.id).filter((event) => event.kind === 'released');
      expect(released).toEqual([
        expect.objectContaining({ queue: 'flow', type: 'Echo', attempt: 0, nodeId: 'database' }),
      ]);
      expect(eventsOf(stream.frames, child!.id).map((event) => event.kind)).toEqual(
        expect.arrayContaining(['enqueued', 'released', 'started', 'succeeded']),
      );
      expect(eventsOf(stream.frames, parent!.id).map((event) => event.kind)).toContain('succeeded');
      expect(countOf(stream.frames, 'flow', 'released')).toBe(1);
      const frame = stream.frames.find((candidate) =>
        candidate.data?.events?.some((event: { kind: string }) => event.kind === 'released'),
      );
      expect(frame?.data.nodes).toContain('database');
    } finally {
      stream.close();
    }
  });

  it('a cascade cancel: the dead parent cancels its child and grandchild, each with the reason', async () => {
    const stream = await openStream(service.baseUrl);
    try {
      const [parent, child, grandchild] = await enqueue(service.baseUrl, [
        { taskType: 'AlwaysFails', queue: 'cascade', payload: {} },
        { taskType: 'Echo', queue: 'cascade', dependsOn: [0], payload: { message: 'child' } },
        { taskType: 'Echo', queue: 'cascade', dependsOn: [1], payload: { message: 'grandchild' } },
      ]);
      await stream.waitFor((frames) =>
        [child!.id, grandchild!.id].every((id) =>
          eventsOf(frames, id).some((event) => event.kind === 'cancelled'),
        ),
      );
      expect(eventsOf(stream.frames, parent!.id).map((event) => event.kind)).toContain('dead');
      expect(eventsOf(stream.frames, child!.id).find((event) => event.kind === 'cancelled')).toMatchObject({
        nodeId: 'database',
        queue: 'cascade',
        error: `parent ${parent!.id} dead`,
      });
      expect(
        eventsOf(stream.frames, grandchild!.id).find((event) => event.kind === 'cancelled'),
      ).toMatchObject({
        nodeId: 'database',
        error: `parent ${child!.id} cancelled`,
      });
      expect(countOf(stream.frames, 'cascade', 'cancelled')).toBe(2);
      // Neither ever ran.
      for (const id of [child!.id, grandchild!.id]) {
        expect(eventsOf(stream.frames, id).map((event) => event.kind)).not.toContain('started');
      }
    } finally {
      stream.close();
    }
  });

  it('a fan-out of 350 children: exact counts, individual events capped at 300 per change', async () => {
    const stream = await openStream(service.baseUrl, { query: '?queue=fan' });
    // The relay's batches as they arrive (the stream's own frames cap events at 200 each).
    const fromDatabase: Array<{ events: number; released: number; omitted: number }> = [];
    const unsubscribe = service.engine.relay.subscribe((batch) => {
      if (batch.nodeId !== 'database') return;
      fromDatabase.push({
        events: batch.events.length,
        released: batch.counts.fan?.released ?? 0,
        omitted: batch.omitted,
      });
    });
    try {
      const children = Array.from({ length: 350 }, (_, index) => ({
        taskType: 'Echo',
        queue: 'fan',
        dependsOn: [0],
        payload: { message: `child ${index}` },
      }));
      await enqueue(service.baseUrl, [
        { taskType: 'Echo', queue: 'fan', payload: { message: 'root' } },
        ...children,
      ]);
      await stream.waitFor((frames) => countOf(frames, 'fan', 'released') >= 350, 20_000);
      expect(countOf(stream.frames, 'fan', 'released')).toBe(350);
      // One NOTIFY per 20 events for the first 300, then one with the counts of the other 50.
      expect(fromDatabase).toHaveLength(16);
      expect(fromDatabase.reduce((n, batch) => n + batch.events, 0)).toBe(300);
      expect(fromDatabase.reduce((n, batch) => n + batch.released, 0)).toBe(350);
      expect(fromDatabase.reduce((n, batch) => n + batch.omitted, 0)).toBe(50);
      expect(Math.max(...fromDatabase.map((batch) => batch.events))).toBe(20);
    } finally {
      unsubscribe();
      stream.close();
    }
  });
});
