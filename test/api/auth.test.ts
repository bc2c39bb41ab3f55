import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { REDACTED_PATHS } from '../../src/logger.js';
import { EventLog } from '../support/event-log.js';
import { type ApiSetup, expectErrorShape, makeTask, setupApi, tokenOf } from './api-harness.js';

const ADMIN = tokenOf('ops');
const READER = tokenOf('dashboard');

describe('bearer tokens', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi({ tokens: { ops: 'admin', dashboard: 'read' } });
  });
  afterAll(async () => api?.close());

  it('leaves /healthz and /readyz open', async () => {
    expect((await api.call('/healthz')).status).toBe(200);
    expect((await api.call('/readyz')).status).toBe(200);
  });

  it('answers 401 without a token, with a wrong one, or with another scheme', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${ADMIN}x` },
      { authorization: `Basic ${ADMIN}` },
      { authorization: 'Bearer' },
    ];
    for (const headers of variants) {
      for (const path of [
        '/queues',
        '/metrics',
        '/openapi.json',
        '/task/0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f',
      ]) {
        const { status, body, headers: answer } = await api.callJson(path, { headers });
        expect(status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expectErrorShape(body, 'unauthorized');
        expect(answer.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    const enqueue = await api.callJson('/tasks/enqueue', { json: { tasks: [makeTask()] } });
    expect(enqueue.status).toBe(401);
  });

  it('lets a read token GET but not change anything (403)', async () => {
    expect((await api.call('/queues', { token: READER })).status).toBe(200);
    const { status, body } = await api.callJson('/tasks/enqueue', {
      json: { tasks: [makeTask()] },
      token: READER,
    });
    expect(status).toBe(403);
    expectErrorShape(body, 'forbidden');
    const pause = await api.callJson('/queues/default/pause', { method: 'POST', token: READER });
    expect(pause.status).toBe(403);
  });

  it("lets an admin token do everything; createdBy defaults to the token's name", async () => {
    const { status, body } = await api.callJson('/tasks/enqueue', {
      json: { tasks: [makeTask()] },
      token: ADMIN,
    });
    expect(status).toBe(202);
    const task = await api.callJson(`/task/${body.tasks[0].id}`, { token: READER });
    expect(task.body.createdBy).toBe('ops');
    const named = await api.callJson('/tasks/enqueue', {
      json: { tasks: [makeTask()], createdBy: 'me' },
      token: ADMIN,
    });
    expect((await api.callJson(`/task/${named.body.tasks[0].id}`, { token: ADMIN })).body.createdBy).toBe(
      'me',
    );
  });
});

describe('rate limit', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi({ config: { api: { rateLimit: { requestsPerSecond: 1, burst: 3 } } } });
  });
  afterAll(async () => api?.close());

  it('answers 429 with Retry-After past the burst; health probes are exempt', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const response = await api.call('/queues');
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.body?.cancel();
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toContain(429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectErrorShape(await limited!.json(), 'rate_limited');
    for (let i = 0; i < 5; i++) expect((await api.call('/healthz')).status).toBe(200);
  });
});

describe('RateLimiter', () => {
  it('is a token bucket: burst at once, then the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ requestsPerSecond: 2, burst: 2, now: () => now });
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 0]);
    expect(limiter.take('a')).toBeCloseTo(0.5);
    expect(limiter.take('b')).toBe(0);
    now += 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    now += 10_000;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a') > 0]).toEqual([0, 0, true]);
  });
});

describe('request ids', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi();
  });
  afterAll(async () => api?.close());

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const given = await api.call('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await api.call('/queues');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await api.call('/no-such', { headers: { 'x-request-id': 'a b <script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('logs', () => {
  const logged = new EventLog<Record<string, unknown>>();
  const lines = logged.seen;
  let api: ApiSetup;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logged.push(JSON.parse(line));
        done();
      },
    });
    const log = pino({ level: 'debug', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    api = await setupApi({ tokens: { ops: 'admin' }, log });
  });
  afterAll(async () => api?.close());

  it('carry the request id and never a token or a secret-named payload field', async () => {
    const response = await api.call('/tasks/enqueue', {
      json: { tasks: [makeTask({ payload: { message: 'hi', password: 'hunter2-secret' } })] },
      token: ADMIN,
      headers: { 'x-request-id': 'log-test-1' },
    });
    expect(response.status).toBe(202);
    // The request line is written once the answer is sent, so it can land after the client has it.
    const isMine = (line: Record<string, unknown>) => line.requestId === 'log-test-1';
    await logged.first((line) => isMine(line) && line.msg === 'request', { what: "the request's log line" });
    await logged.first((line) => isMine(line) && line.msg === 'enqueued', { what: 'the enqueued log line' });
    const mine = lines.filter((line) => line.requestId === 'log-test-1');
    expect(mine.map((line) => line.msg)).toEqual(expect.arrayContaining(['enqueued', 'request']));
    expect(mine.find((line) => line.msg === 'request')).toMatchObject({
      status: 202,
      path: '/tasks/enqueue',
      caller: 'ops',
    });
    const all = JSON.stringify(lines);
    expect(all).not.toContain(ADMIN);
    expect(all).not.toContain('hunter2-secret');
  });
});
