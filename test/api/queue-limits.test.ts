import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createPool } from '../../src/db/database.js';
import { Engine } from '../../src/engine/engine.js';
import { createLogger } from '../../src/logger.js';
import {
  type ApiSetup,
  createTestRegistry,
  expectErrorShape,
  type Json,
  makeTask,
  setupApi,
} from './api-harness.js';

const ADMIN = 'admin-token-0123456789';
const READER = 'reader-token-0123456789';
const WORKER = 'worker-token-0123456789';

const config: ConfigInput = {
  api: {
    authTokens: [
      { name: 'ops', token: ADMIN, scope: 'admin' },
      { name: 'viewer', token: READER, scope: 'read' },
      { name: 'py', token: WORKER, scope: 'worker' },
    ],
  },
  queue: {
    pollInterval: 100,
    queues: [
      { id: 'emails', rateLimit: { max: 2, per: '1h' } },
      { id: 'tenants', maxPerKey: 3 },
    ],
  },
  tasks: { external: [{ type: 'Ping', queue: 'ext' }] },
};

describe('queue limits over HTTP', () => {
  let api: ApiSetup;
  const admin = { token: ADMIN };
  const queueOf = async (name: string) =>
    (await api.callJson('/queues', admin)).body.queues.find((queue: Json) => queue.name === name);
  const patch = (name: string, json: unknown, token = ADMIN) =>
    api.callJson(`/queues/${name}`, { method: 'PATCH', json, token });

  beforeAll(async () => {
    api = await setupApi({ config, processTasks: true });
  });
  afterAll(async () => api?.close());

  it('GET /queues shows the limits from the config', async () => {
    expect(await queueOf('emails')).toMatchObject({
      rateLimit: { max: 2, per: '1h', perMs: 3_600_000 },
      maxPerKey: null,
      limitsSource: { rateLimit: 'config', maxPerKey: 'none' },
    });
    expect(await queueOf('tenants')).toMatchObject({
      rateLimit: null,
      maxPerKey: 3,
      limitsSource: { rateLimit: 'none', maxPerKey: 'config' },
    });
  });

  it('refuses bad limits with a 400 JSON error, and a read token with 403', async () => {
    for (const body of [
      {},
      { rateLimit: { max: 0, per: '1s' } },
      { rateLimit: { max: 5, per: 'soon' } },
      { rateLimit: { max: 5, per: 0 } },
      { rateLimit: { max: 5 } },
      { rateLimit: { max: 1.5, per: '1s' } },
      { maxPerKey: 0 },
      { maxPerKey: 'two' },
      { maxPerKey: 2, burst: 4 },
    ]) {
      const { status, body: answer } = await patch('emails', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expectErrorShape(answer, 'validation_failed');
    }
    const notJson = await api.callJson('/queues/emails', {
      method: 'PATCH',
      body: '{',
      token: ADMIN,
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    const badName = await patch('no%20spaces', { maxPerKey: 1 });
    expect(badName.status).toBe(400);
    const reader = await patch('emails', { maxPerKey: 1 }, READER);
    expect(reader.status).toBe(403);
    expectErrorShape(reader.body, 'forbidden');
    expect((await queueOf('emails')).maxPerKey).toBeNull();
  });

  it('PATCH changes limits at run time, writes the audit log, and another instance sees them after a restart', async () => {
    const changed = await patch('tenants', { rateLimit: { max: 50, per: '1m' }, maxPerKey: null });
    expect(changed).toMatchObject({
      status: 200,
      body: {
        queue: 'tenants',
        rateLimit: { max: 50, per: '1m', perMs: 60_000 },
        maxPerKey: null,
        limitsSource: { rateLimit: 'runtime', maxPerKey: 'none' },
      },
    });
    // A field left out keeps its value.
    const again = await patch('tenants', { maxPerKey: 7 });
    expect(again.body).toMatchObject({ rateLimit: { max: 50 }, maxPerKey: 7 });
    const { body: audit } = await api.callJson('/audit?limit=1', admin);
    expect(audit.entries[0]).toMatchObject({
      actor: 'ops',
      action: 'queue.limits',
      targetType: 'queue',
      target: 'tenants',
      details: { changed: { maxPerKey: 7 } },
    });
    // A second instance on the same database, started after the change (its config says
    // maxPerKey 3): the run-time values win there too.
    const log = createLogger({ level: 'silent', pretty: false });
    const otherConfig = parseConfig(config);
    const pool = createPool({ url: api.db.url, config: otherConfig, log, max: 2 });
    const other = await Engine.start({
      config: otherConfig,
      pool,
      databaseUrl: api.db.url,
      log,
      registry: createTestRegistry(),
      processTasks: false,
    });
    try {
      const seen = (await other.listQueues({ fresh: true })).find((queue) => queue.name === 'tenants');
      expect(seen).toMatchObject({
        rateLimit: { max: 50, perMs: 60_000 },
        maxPerKey: 7,
        limitsSource: { rateLimit: 'runtime', maxPerKey: 'runtime' },
      });
    } finally {
      await other.stop();
      await pool.end();
    }
  });

  it('a task of a rate-limited queue says rate_limited with the time the next slot opens', async () => {
    const { body } = await api.callJson('/tasks/enqueue', {
      ...admin,
      json: {
        tasks: [makeTask({ queue: 'emails' }), makeTask({ queue: 'emails' }), makeTask({ queue: 'emails' })],
      },
    });
    const ids: string[] = body.tasks.map((task: Json) => task.id);
    let waiting: Json;
    for (;;) {
      const tasks = await Promise.all(ids.map(async (id) => (await api.callJson(`/task/${id}`, admin)).body));
      const done = tasks.filter((task) => task.status === 'succeeded');
      waiting = tasks.find((task) => task.status === 'queued');
      if (done.length === 2 && waiting?.waitingFor?.reason === 'rate_limited') break;
      expect(done.length).toBeLessThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { rows } = await api.db.pool.query(
      `select rate_window_started_at as opened from queues where name = 'emails'`,
    );
    expect(waiting.waitingFor).toMatchObject({
      reason: 'rate_limited',
      queue: 'emails',
      limit: 2,
      nextSlotAt: new Date(rows[0].opened.getTime() + 3_600_000).toISOString(),
    });
    expect(waiting.waitingFor.message).toContain('2 tasks per 1h');
  });

  it('HTTP workers get at most maxPerKey per key and at most the rate limit', async () => {
    expect((await patch('ext', { maxPerKey: 1 })).status).toBe(200);
    const { body } = await api.callJson('/tasks/enqueue', {
      ...admin,
      json: {
        tasks: [
          { taskType: 'Ping', concurrencyKey: 'k1' },
          { taskType: 'Ping', concurrencyKey: 'k1' },
          { taskType: 'Ping', concurrencyKey: 'k1' },
          { taskType: 'Ping', concurrencyKey: 'k2' },
        ],
      },
    });
    expect(body.tasks).toHaveLength(4);
    const claim = async () => {
      const { status, body: answer } = await api.callJson('/workers/claim', {
        token: WORKER,
        json: { worker: 'py-1', types: ['Ping'], max: 10 },
      });
      expect(status, JSON.stringify(answer)).toBe(200);
      return answer.tasks as Json[];
    };
    const first = await claim();
    expect(first.map((task) => task.id).sort()).toHaveLength(2);
    expect(await claim()).toEqual([]);
    const k1 = first.find((task) => task.id === body.tasks[0].id || task.id === body.tasks[1].id)!;
    const done = await api.callJson(`/task/${k1.id}/complete`, {
      token: WORKER,
      json: { token: k1.lease.token, result: {} },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const next = await claim();
    expect(next).toHaveLength(1);
    // Now a rate limit of one start per hour as well: the window already counts nothing, so one
    // more start is allowed once the next k1 slot frees, and then none.
    expect((await patch('ext', { rateLimit: { max: 1, per: '1h' }, maxPerKey: null })).status).toBe(200);
    expect(await claim()).toHaveLength(1);
    expect(await claim()).toEqual([]);
  });
});
