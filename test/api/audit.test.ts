import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, expectErrorShape, type Json, makeTask, setupApi, tokenOf } from './api-harness.js';

const OPS = tokenOf('ops');
const ONCALL = tokenOf('oncall');
const VIEWER = tokenOf('viewer');
const BLOCKED = tokenOf('blocked');

describe('the operator audit log', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi({
      processTasks: true,
      tokens: { ops: 'admin', oncall: 'admin', viewer: 'read', blocked: 'admin' },
    });
  });
  afterAll(async () => api?.close());

  const post = (path: string, token: string, json?: unknown) =>
    api.callJson(path, { method: 'POST', token, ...(json !== undefined ? { json } : {}) });
  const auditPage = async (query = '') => {
    const { status, body } = await api.callJson(`/audit${query}`, { token: OPS });
    expect(status).toBe(200);
    return body as { entries: Json[]; next?: number };
  };
  const latest = async () => (await auditPage('?limit=1')).entries[0];

  it('records pause, cancel, retry and resume with the token name, the client address and the request id', async () => {
    const paused = await post('/queues/held/pause', OPS);
    expect(paused.status).toBe(200);
    expect(await latest()).toMatchObject({
      actor: 'ops',
      address: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/),
      requestId: paused.headers.get('x-request-id'),
      action: 'queue.pause',
      targetType: 'queue',
      target: 'held',
      taskIds: [],
      taskCount: 0,
    });

    const { body: created } = await api.callJson('/tasks/enqueue', {
      token: OPS,
      json: { tasks: [makeTask({ queue: 'held' })] },
    });
    const id: string = created.tasks[0].id;
    expect((await post(`/task/${id}/cancel`, OPS)).status).toBe(200);
    expect(await latest()).toMatchObject({
      actor: 'ops',
      action: 'task.cancel',
      targetType: 'task',
      target: id,
      taskIds: [id],
      taskCount: 1,
      details: { queue: 'held', from: 'queued' },
    });

    expect((await post(`/task/${id}/retry`, ONCALL)).status).toBe(200);
    expect(await latest()).toMatchObject({
      actor: 'oncall',
      action: 'task.retry',
      target: id,
      taskIds: [id],
    });

    expect((await post('/queues/held/resume', OPS)).status).toBe(200);
    expect(await latest()).toMatchObject({ actor: 'ops', action: 'queue.resume', target: 'held' });

    // The task's own page says who did what to it, oldest first.
    const { body: task } = await api.callJson(`/task/${id}`, { token: VIEWER });
    expect(task.operatorActions).toEqual([
      { at: expect.any(String), actor: 'ops', action: 'task.cancel' },
      { at: expect.any(String), actor: 'oncall', action: 'task.retry' },
    ]);
  });

  it('records a bulk dead-letter retry once, with every task it queued again', async () => {
    const { body: created } = await api.callJson('/tasks/enqueue', {
      token: OPS,
      json: {
        tasks: Array.from({ length: 3 }, () =>
          makeTask({ taskType: 'AlwaysFails', queue: 'doomed', payload: {} }),
        ),
      },
    });
    const ids: string[] = created.tasks.map((task: { id: string }) => task.id);
    await expect
      .poll(async () => (await api.callJson('/dead-letter?queue=doomed', { token: OPS })).body.tasks.length, {
        timeout: 10_000,
      })
      .toBe(3);
    const retried = await post('/dead-letter/retry', ONCALL, { queue: 'doomed' });
    expect(retried.body.retried).toBe(3);
    const entry = await latest();
    expect(entry).toMatchObject({
      actor: 'oncall',
      action: 'dead_letter.retry',
      targetType: 'dead_letter',
      target: 'doomed',
      taskCount: 3,
      details: { filter: { queue: 'doomed' }, retried: 3 },
    });
    expect([...entry.taskIds].sort()).toEqual([...ids].sort());
    const { body: one } = await api.callJson(`/task/${ids[1]}`, { token: OPS });
    expect(one.operatorActions).toEqual([{ at: entry.at, actor: 'oncall', action: 'dead_letter.retry' }]);
  });

  it('writes nothing for a refused action, and nothing is done when its audit row cannot be written', async () => {
    const before = (await latest()).id;
    const { body: created } = await api.callJson('/tasks/enqueue', {
      token: OPS,
      json: { tasks: [makeTask({ queue: 'held2', runAt: new Date(Date.now() + 3_600_000).toISOString() })] },
    });
    const id: string = created.tasks[0].id;
    const refused = await post(`/task/${id}/retry`, OPS);
    expect(refused.status).toBe(409);
    expect((await latest()).id).toBe(before);

    // Same transaction: when the audit row fails, the cancel it describes is rolled back too.
    await api.db.pool.query(`alter table audit_log add constraint no_blocked check (actor <> 'blocked')`);
    try {
      const failed = await post(`/task/${id}/cancel`, BLOCKED);
      expect(failed.status).toBe(500);
      const { rows } = await api.db.pool.query(`select status from tasks where id = $1`, [id]);
      expect(rows[0].status).toBe('queued');
      const events = await api.db.pool.query(
        `select count(*)::int as n from task_events where task_id = $1`,
        [id],
      );
      expect(events.rows[0].n).toBe(1);
    } finally {
      await api.db.pool.query(`alter table audit_log drop constraint no_blocked`);
    }
    expect((await latest()).id).toBe(before);
  });

  it('pages newest first with limit and after, and holds no entry twice', async () => {
    const all = await auditPage('?limit=1000');
    expect(all.entries.length).toBeGreaterThanOrEqual(5);
    expect(all.next).toBeUndefined();
    const seen: number[] = [];
    let after: number | undefined;
    for (let page = 0; page < 20; page++) {
      const body = await auditPage(`?limit=2${after ? `&after=${after}` : ''}`);
      expect(body.entries.length).toBeLessThanOrEqual(2);
      seen.push(...body.entries.map((entry) => entry.id));
      after = body.next;
      if (after === undefined) break;
    }
    expect(seen).toEqual(all.entries.map((entry) => entry.id));
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });

  it('needs an admin token to read, and says so for bad queries', async () => {
    const denied = await api.callJson('/audit', { token: VIEWER });
    expect(denied.status).toBe(403);
    expectErrorShape(denied.body, 'forbidden');
    expect((await api.callJson('/audit')).status).toBe(401);
    for (const query of ['?limit=0', '?limit=5000', '?after=abc', '?after=-1']) {
      const bad = await api.callJson(`/audit${query}`, { token: OPS });
      expect(bad.status, query).toBe(400);
      expectErrorShape(bad.body, 'validation_failed');
    }
  });
});

describe('the operator audit log without auth', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi();
  });
  afterAll(async () => api?.close());

  it('names the actor anonymous', async () => {
    expect((await api.callJson('/queues/default/pause', { method: 'POST' })).status).toBe(200);
    const { body } = await api.callJson('/audit');
    expect(body.entries[0]).toMatchObject({ actor: 'anonymous', action: 'queue.pause', target: 'default' });
  });
});
