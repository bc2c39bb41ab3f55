import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readiness } from '../../src/db/migrate.js';
import { type ApiSetup, expectErrorShape, makeTask, setupApi } from './api-harness.js';

describe('errors and limits', () => {
  let api: ApiSetup;
  let readiness: Readiness = { ready: true };
  beforeAll(async () => {
    api = await setupApi({
      config: { api: { bodyLimit: 64 * 1024, maxTasksPerRequest: 50, maxBacklog: 0 } },
      checkReadiness: async () => readiness,
    });
  });
  afterAll(async () => api?.close());

  const post = (body: string, contentType?: string) =>
    api.callJson('/tasks/enqueue', {
      method: 'POST',
      body,
      ...(contentType ? { headers: { 'content-type': contentType } } : {}),
    });

  it('400 for malformed JSON, never a 500', async () => {
    for (const body of ['{"tasks": [', '', 'null x', '{"tasks":[{"taskType":"Echo",}]}', '\u0000']) {
      const { status, body: answer } = await post(body, 'application/json');
      expect(status, body).toBe(400);
      expectErrorShape(answer, 'invalid_json');
    }
  });

  it('400 for NUL characters in any string or key, PostgreSQL cannot store them', async () => {
    const cases = [
      { tasks: [makeTask({ payload: { message: 'a\u0000b' } })] },
      { tasks: [makeTask({ payload: { 'k\u0000': 1 } })] },
      { tasks: [makeTask({ key: 'k\u0000' })] },
      { tasks: [makeTask()], createdBy: '\u0000' },
      { tasks: [makeTask(), makeTask({ payload: { deep: [{ x: ['\u0000'] }] } })] },
    ];
    for (const json of cases) {
      const { status, body } = await api.callJson('/tasks/enqueue', { json });
      expect(status, JSON.stringify(json)).toBe(400);
      expectErrorShape(body, 'validation_failed');
    }
    const { body } = await api.callJson('/tasks/enqueue', { json: cases[4] });
    expect(body.error.details).toEqual([
      { index: 1, field: 'payload.deep.0.x.0', message: expect.any(String) },
    ]);
    const query = await api.callJson('/queues/default/tasks?type=%00');
    expect(query.status).toBe(400);
  });

  it('400 for lone surrogates, which jsonb refuses, in bodies and payload filters', async () => {
    for (const body of [
      '{"tasks":[{"taskType":"Echo","payload":{"message":"\\ud800"}}]}',
      '{"tasks":[{"taskType":"Echo","payload":{"\\udc00":"x"}}]}',
      '{"tasks":[{"taskType":"Echo","key":"a\\udfffb"}]}',
    ]) {
      const { status, body: answer } = await post(body, 'application/json');
      expect(status, body).toBe(400);
      expectErrorShape(answer, 'validation_failed');
    }
    const paired = await post(
      '{"tasks":[{"taskType":"Echo","payload":{"message":"\\ud83d\\ude00"}}]}',
      'application/json',
    );
    expect(paired.status).toBe(202);
    for (const filter of ['{"a":"\\u0000"}', '{"a":"\\ud800"}']) {
      const { status } = await api.callJson(`/queues/default/tasks?payload=${encodeURIComponent(filter)}`);
      expect(status, filter).toBe(400);
    }
  });

  it('400 for huge, fractional or string priorities and bad durations', async () => {
    for (const item of [
      { priority: 1.5 },
      { priority: 1e308 },
      { priority: -1e308 },
      { priority: '1' },
      { backOffDuration: '5x' },
      { backOffDuration: '-5s' },
      { backOffDuration: '1000h' },
      { timeout: 'soon' },
      { delay: 5.5 },
      { runAt: 'tomorrow' },
      { maxRetries: -1 },
      { queue: 'bad queue name' },
    ]) {
      const { status, body } = await api.callJson('/tasks/enqueue', { json: { tasks: [makeTask(item)] } });
      expect(status, JSON.stringify(item)).toBe(400);
      expectErrorShape(body, 'validation_failed');
      expect(body.error.details[0]).toMatchObject({ index: 0, field: Object.keys(item)[0] });
    }
  });

  it('413 for a body over api.bodyLimit and for more tasks than api.maxTasksPerRequest', async () => {
    const big = JSON.stringify({ tasks: [makeTask({ payload: { message: 'x'.repeat(70 * 1024) } })] });
    const tooLarge = await post(big, 'application/json');
    expect(tooLarge.status).toBe(413);
    expectErrorShape(tooLarge.body, 'payload_too_large');

    const tooMany = await api.callJson('/tasks/enqueue', {
      json: { tasks: Array.from({ length: 51 }, () => makeTask()) },
    });
    expect(tooMany.status).toBe(413);
    expectErrorShape(tooMany.body, 'payload_too_large');
    expect(tooMany.body.error.message).toContain('50');
  });

  it('413 for a chunked body over the limit (no Content-Length)', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(`${api.baseUrl}/tasks/enqueue`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expectErrorShape(await response.json(), 'payload_too_large');
  });

  it('415 for a body that is not JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', undefined]) {
      const { status, body } = await post(JSON.stringify({ tasks: [makeTask()] }), type);
      expect(status, String(type)).toBe(415);
      expectErrorShape(body, 'unsupported_media_type');
    }
    const deadLetter = await api.callJson('/dead-letter/retry', {
      method: 'POST',
      body: 'all',
      headers: { 'content-type': 'text/plain' },
    });
    expect(deadLetter.status).toBe(415);
  });

  it('404 as JSON for unknown endpoints', async () => {
    const { status, body } = await api.callJson('/no/such/endpoint');
    expect(status).toBe(404);
    expectErrorShape(body, 'not_found');
  });

  it('503 from /readyz while not ready, with a reason', async () => {
    readiness = { ready: false, reason: 'database unreachable: test' };
    try {
      const { status, body } = await api.callJson('/readyz');
      expect(status).toBe(503);
      expect(body).toEqual({
        status: 'not_ready',
        error: { code: 'not_ready', message: 'database unreachable: test' },
      });
      expect((await api.call('/healthz')).status).toBe(200);
    } finally {
      readiness = { ready: true };
    }
    expect((await api.callJson('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('400 for bad query strings', async () => {
    for (const query of [
      'payload=not-json',
      'payload=[1,2]',
      'payload=42',
      'limit=0',
      'limit=abc',
      'limit=100000',
      'after=nope',
      'status=unknown',
    ]) {
      const { status, body } = await api.callJson(`/queues/default/tasks?${query}`);
      expect(status, query).toBe(400);
      expectErrorShape(body, 'validation_failed');
    }
    const deadLetters = await api.callJson('/dead-letter?limit=-1');
    expect(deadLetters.status).toBe(400);
  });
});

describe('429 when the backlog limit is reached', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi({ config: { api: { maxBacklog: 3 } } });
  });
  afterAll(async () => api?.close());

  it('answers 429 with Retry-After once api.maxBacklog tasks wait', async () => {
    const first = await api.callJson('/tasks/enqueue', {
      json: { tasks: [makeTask(), makeTask(), makeTask()] },
    });
    expect(first.status).toBe(202);
    const { status, body, headers } = await api.callJson('/tasks/enqueue', { json: { tasks: [makeTask()] } });
    expect(status).toBe(429);
    expectErrorShape(body, 'backlog_full');
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
