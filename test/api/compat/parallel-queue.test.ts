import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { compatRoutes } from '../../../src/api/compat/compat-routes.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { type CompatSetup, connectWebSocket, type Json, setupCompat } from './compat-harness.js';

/**
 * Seed 004's README examples. Its JSON carries `//` comments, which no JSON parser accepts, so the
 * bodies are the examples with the comments removed.
 */
const SEED_SCHEDULE = { task123: 1000, task456: 2500 };

describe('the parallel queue: REST and WebSocket, workers_limit = 1', () => {
  let api: CompatSetup;
  beforeAll(async () => {
    api = await setupCompat({ config: { queue: { workerPoolSize: 1 } } });
  });
  afterAll(async () => api?.close());

  it('pushes scheduled, next, start and done for one task, in that order', async () => {
    const client = await connectWebSocket(`ws://127.0.0.1:${api.http.port}/ws`);
    try {
      const { status, body } = await api.call('/schedule', { json: { task789: 200 } });
      expect(status).toBe(200);
      expect(body).toEqual({ scheduled: [{ task789: 200 }], duplicates: [] });
      await api.waitFor(
        async () => client.messages,
        (messages) => messages.some((message) => 'done' in message),
      );
      expect(client.messages).toEqual([
        { scheduled: [{ task789: 200 }] },
        { next: { task789: 200 } },
        { start: { task789: 200 } },
        { done: { task789: 200 } },
      ]);
    } finally {
      client.close();
    }
  });

  it('schedules the README example and lists active and scheduled tasks in run order', async () => {
    const client = await connectWebSocket(`ws://127.0.0.1:${api.http.port}/ws`);
    // task123 cannot end while the lists and the duplicates are read, however slow the machine.
    api.sleeps.hold();
    try {
      const { status, body } = await api.call('/schedule', { json: SEED_SCHEDULE });
      expect(status).toBe(200);
      expect(body).toEqual({ scheduled: [{ task123: 1000 }, { task456: 2500 }], duplicates: [] });
      const more = await api.call('/schedule', { json: { task789: 5000 } });
      expect(more.body).toEqual({ scheduled: [{ task789: 5000 }], duplicates: [] });

      const tasks = await api.waitFor(
        () => api.call('/tasks'),
        (result) => 'task123' in result.body.active,
      );
      expect(tasks.status).toBe(200);
      expect(Object.keys(tasks.body)).toEqual(['active', 'scheduled']);
      expect(tasks.body).toEqual({
        active: { task123: 1000 },
        scheduled: [{ task456: 2500 }, { task789: 5000 }],
      });

      // An id already scheduled or running is skipped.
      const again = await api.call('/schedule', { json: { task123: 1000, task456: 2500, task012: 7000 } });
      expect(again.body).toEqual({ scheduled: [{ task012: 7000 }], duplicates: ['task123', 'task456'] });

      const kinds = (id: string) =>
        client.messages
          .filter((message: Json) => {
            const [kind, value] = Object.entries(message)[0]!;
            return kind === 'scheduled'
              ? (value as Json[]).some((entry) => id in entry)
              : id in (value as Record<string, number>);
          })
          .map((message: Json) => Object.keys(message)[0]);
      const first = await api.waitFor(
        async () => client.messages,
        (messages) => messages.length > 0,
      );
      expect(first[0]).toEqual({ scheduled: [{ task123: 1000 }, { task456: 2500 }] });
      api.sleeps.release();
      await api.waitFor(
        async () => kinds('task456'),
        (seen) => seen.includes('start'),
      );
      expect(kinds('task123')).toEqual(['scheduled', 'next', 'start', 'done']);
      // task456 was announced as next while task123 ran, then started once the worker was free.
      expect(kinds('task456').slice(0, 3)).toEqual(['scheduled', 'next', 'start']);
    } finally {
      api.sleeps.release();
      client.close();
    }
  }, 20_000);

  it.each([
    { name: 'a list', body: [{ task: 1 }] },
    { name: 'a text duration', body: { task: '1s' } },
    { name: 'a negative duration', body: { task: -5 } },
    { name: 'an empty id', body: { '': 5 } },
  ])('answers 400 for $name', async ({ body }) => {
    const response = await api.call('/schedule', { json: body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    await expect(connectWebSocket(`ws://127.0.0.1:${api.http.port}/other`)).rejects.toThrow();
  });
});

describe('the parallel queue WebSocket with api.authTokens', () => {
  let api: CompatSetup;
  const token = 'a-token-of-sixteen-chars';
  beforeAll(async () => {
    api = await setupCompat({ config: { api: { authTokens: [{ name: 'ui', token }] } } });
  });
  afterAll(async () => api?.close());

  it('needs the token, as a header or ?token=', async () => {
    await expect(connectWebSocket(`ws://127.0.0.1:${api.http.port}/ws`)).rejects.toThrow(/401/);
    const byHeader = await connectWebSocket(`ws://127.0.0.1:${api.http.port}/ws`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(byHeader.socket.readyState).toBe(WebSocket.OPEN);
    byHeader.close();
    const byQuery = await connectWebSocket(`ws://127.0.0.1:${api.http.port}/ws?token=${token}`);
    expect(byQuery.socket.readyState).toBe(WebSocket.OPEN);
    byQuery.close();
    expect((await api.call('/tasks')).status).toBe(401);
  });
});

describe("the parallel queue's page", () => {
  let api: CompatSetup;
  beforeAll(async () => {
    api = await setupCompat();
  });
  afterAll(async () => api?.close());

  it('is an HTML page that follows /ws and /tasks', async () => {
    const router = compatRoutes({ engine: api.engine, config: parseConfig({}) });
    const response = await router.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain("'/ws'");
    expect(html).toContain("fetch('/tasks'");
  });
});
