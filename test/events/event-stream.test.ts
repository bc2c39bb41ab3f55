import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_CHANNEL } from '../../src/db/channels.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';
import { until } from '../support/until.js';
import {
  enqueueOverHttp,
  openStream,
  type Service,
  serveForSuite,
  startService,
  streamedEvents,
} from './service-harness.js';

const TOKEN = 'dashboard-test-token-0123456789';

const enqueue = enqueueOverHttp;

const sumCounts = (
  frames: Array<{ event: string; data: { counts: Record<string, Record<string, number>> } }>,
  kind: string,
) =>
  frames
    .filter((frame) => frame.event === 'tasks')
    .reduce(
      (sum, frame) =>
        sum + Object.values(frame.data.counts).reduce((n, perKind) => n + (perKind[kind] ?? 0), 0),
      0,
    );

describe('GET /events on one instance', () => {
  const service = serveForSuite({ config: { queue: { workerPoolSize: 8, maxBufferSize: 500 } } });

  it('opens with a hello frame carrying the node id and the recent history', async () => {
    const stream = await openStream(service.baseUrl);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.response.headers.get('cache-control')).toMatch(/no-cache/);
      await stream.waitFor((frames) => frames.length >= 1);
      expect(stream.frames[0]).toMatchObject({
        event: 'hello',
        data: { nodeId: service.engine.nodeId, windowMs: 250 },
      });
      expect(Array.isArray(stream.frames[0]!.data.history)).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('delivers a task from enqueued to succeeded with id, queue, type, priority, attempt and time', async () => {
    const stream = await openStream(service.baseUrl);
    try {
      const tasks = await enqueue(service.baseUrl, [
        { taskType: 'Echo', priority: 3, payload: { message: 'hi' } },
      ]);
      const id = tasks[0]!.id;
      await stream.waitFor((frames) =>
        streamedEvents(frames).some((e) => e.taskId === id && e.kind === 'succeeded'),
      );
      const kinds = streamedEvents(stream.frames).filter((e) => e.taskId === id);
      expect(kinds.map((e) => e.kind)).toEqual(['enqueued', 'started', 'succeeded']);
      expect(kinds[2]).toMatchObject({
        queue: 'default',
        type: 'Echo',
        priority: 3,
        attempt: 1,
        nodeId: service.engine.nodeId,
      });
      expect(Date.parse((kinds[2] as unknown as { at: string }).at)).not.toBeNaN();
    } finally {
      stream.close();
    }
  });

  it('batches a burst: 3,000 tasks arrive in a handful of frames whose counts add up', async () => {
    const stream = await openStream(service.baseUrl);
    try {
      await stream.waitFor((frames) => frames.length >= 1);
      const started = Date.now();
      const tasks = Array.from({ length: 3000 }, (_, i) => ({
        taskType: 'Echo',
        payload: { message: `m${i}` },
      }));
      await enqueue(service.baseUrl, tasks);
      await stream.waitFor((frames) => sumCounts(frames, 'succeeded') >= 3000, 30_000);
      const elapsed = Date.now() - started;
      const frames = stream.frames.filter((frame) => frame.event === 'tasks');
      expect(sumCounts(frames, 'enqueued')).toBe(3000);
      expect(sumCounts(frames, 'succeeded')).toBe(3000);
      // 9,000 events, at most one frame per 250 ms window (plus slack for timer jitter).
      expect(frames.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 3);
      expect(frames.length).toBeLessThan(200);
      for (const frame of frames) expect(frame.data.events.length).toBeLessThanOrEqual(200);
      const omitted = frames.reduce((n, frame) => n + frame.data.omitted, 0);
      expect(omitted + streamedEvents(frames).length).toBeGreaterThanOrEqual(9000);
    } finally {
      stream.close();
    }
  });

  it('filters by queue', async () => {
    const stream = await openStream(service.baseUrl, { query: '?queue=reports' });
    try {
      await enqueue(service.baseUrl, [
        { taskType: 'Echo', queue: 'other', payload: { message: 'x' } },
        { taskType: 'Echo', queue: 'reports', payload: { message: 'y' } },
      ]);
      await stream.waitFor((frames) => streamedEvents(frames).some((e) => e.kind === 'succeeded'));
      const events = streamedEvents(stream.frames);
      expect(new Set(events.map((e) => e.queue))).toEqual(new Set(['reports']));
    } finally {
      stream.close();
    }
  });

  it('stops listening when the client goes away', async () => {
    const subscribers = () => service.engine.relay.subscriberCount;
    // The server notices a client that left when its socket closes: a state, polled.
    const settle = (count: number) => until(() => subscribers() === count, { what: `${count} subscribers` });
    await settle(0); // the earlier tests' streams are gone
    const streams = await Promise.all([openStream(service.baseUrl), openStream(service.baseUrl)]);
    for (const stream of streams) await stream.waitFor((frames) => frames.length >= 1);
    expect(subscribers()).toBe(2);
    streams[0]!.close();
    await settle(1);
    streams[1]!.close();
    await settle(0);
  });
});

describe('GET /events across instances on one database', () => {
  let setup: EngineSetup;
  let apiOnly: Service;
  let worker: Service;

  beforeAll(async () => {
    setup = await setupEngines();
    apiOnly = await startService(setup, { processTasks: false });
    worker = await startService(setup, { config: { queue: { workerPoolSize: 8, maxBufferSize: 500 } } });
  });
  afterAll(async () => {
    await apiOnly?.close();
    await worker?.close();
    await setup?.teardown();
  });

  it("shows the other instance's work on this instance's stream", async () => {
    const stream = await openStream(apiOnly.baseUrl);
    try {
      await stream.waitFor((frames) => frames.length >= 1);
      // Enqueued through the instance that runs nothing; run by the other one.
      const tasks = await enqueue(apiOnly.baseUrl, [{ taskType: 'Echo', payload: { message: 'across' } }]);
      const id = tasks[0]!.id;
      await stream.waitFor((frames) =>
        streamedEvents(frames).some((e) => e.taskId === id && e.kind === 'succeeded'),
      );
      const events = streamedEvents(stream.frames).filter((e) => e.taskId === id);
      expect(events.find((e) => e.kind === 'enqueued')?.nodeId).toBe(apiOnly.engine.nodeId);
      expect(events.find((e) => e.kind === 'succeeded')?.nodeId).toBe(worker.engine.nodeId);
      const frame = stream.frames.find(
        (f) => f.event === 'tasks' && f.data.nodes.includes(worker.engine.nodeId),
      );
      expect(frame).toBeDefined();
    } finally {
      stream.close();
    }
  });

  it('relays a burst of 5,000 tasks as a bounded number of notifications under the 8000-byte limit', async () => {
    const listener = new pg.Client({ connectionString: setup.db.url });
    await listener.connect();
    const payloadSizes: number[] = [];
    listener.on('notification', (message) => payloadSizes.push(Buffer.byteLength(message.payload ?? '')));
    await listener.query(`listen ${EVENTS_CHANNEL}`);
    const stream = await openStream(apiOnly.baseUrl);
    try {
      await stream.waitFor((frames) => frames.length >= 1);
      const started = Date.now();
      const tasks = Array.from({ length: 5000 }, (_, i) => ({
        taskType: 'Echo',
        payload: { message: `b${i}` },
      }));
      await enqueue(worker.baseUrl, tasks);
      // Counts survive sampling: the API-only instance sees every success of the other one.
      await stream.waitFor((frames) => sumCounts(frames, 'succeeded') >= 5000, 40_000);
      const elapsed = Date.now() - started;
      expect(sumCounts(stream.frames, 'succeeded')).toBe(5000);
      expect(Math.max(...payloadSizes)).toBeLessThan(8000);
      // 15,000 events; windows of 150 ms carry at most 300 events each (a few chunks).
      const windows = Math.ceil(elapsed / 150) + 2;
      expect(payloadSizes.length).toBeLessThanOrEqual(windows * 6);
      expect(payloadSizes.length).toBeLessThan(15_000 / 20);
    } finally {
      stream.close();
      await listener.end();
    }
  });
});

describe('GET /events with bearer auth on', () => {
  const service = serveForSuite({
    config: { api: { authTokens: [{ name: 'ops', token: TOKEN, scope: 'read' }] } },
    processTasks: false,
  });

  it('needs the token, read scope is enough, and the page itself stays public', async () => {
    const anonymous = await fetch(`${service.baseUrl}/events`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('unauthorized');
    const stream = await openStream(service.baseUrl, { token: TOKEN });
    try {
      expect(stream.response.status).toBe(200);
      await stream.waitFor((frames) => frames[0]?.event === 'hello');
    } finally {
      stream.close();
    }
    const page = await fetch(`${service.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/ui/app.js');
    expect((await fetch(`${service.baseUrl}/task-types`)).status).toBe(401);
  });
});
