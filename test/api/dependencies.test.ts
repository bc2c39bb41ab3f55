import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, expectErrorShape, type Json, makeTask, setupApi, tokenOf } from './api-harness.js';

const admin = { token: tokenOf('ops') };
const asWorker = { token: tokenOf('py') };

let api: ApiSetup;

// Tasks are not processed here (the engine only stores): statuses stay where the test puts them,
// and the external type is handed out by POST /workers/claim only.
beforeAll(async () => {
  api = await setupApi({
    tokens: { ops: 'admin', py: 'worker' },
    config: { tasks: { external: [{ type: 'Render', queue: 'render' }] } },
  });
});
afterAll(() => api.close());

const enqueue = (tasks: Json[]) => api.callJson('/tasks/enqueue', { ...admin, json: { tasks } });
const task = async (id: string) => (await api.callJson(`/task/${id}`, admin)).body;

describe('POST /tasks/enqueue with dependsOn', () => {
  it('stores a whole workflow in one request: children blocked, each waiting for its parents', async () => {
    const { status, body } = await enqueue([
      makeTask(),
      makeTask({ dependsOn: [0] }),
      makeTask({ dependsOn: [0] }),
      makeTask({ dependsOn: [1, 2], onParentFailure: 'run' }),
    ]);
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.tasks.map((t: Json) => t.status)).toEqual(['queued', 'blocked', 'blocked', 'blocked']);
    const [root, left, right, join] = body.tasks.map((t: Json) => t.id);
    const joined = await task(join);
    expect(joined).toMatchObject({
      status: 'blocked',
      onParentFailure: 'run',
      nextRunAt: null,
      dependsOn: expect.arrayContaining([
        { id: left, status: 'blocked' },
        { id: right, status: 'blocked' },
      ]),
      dependents: [],
      waitingFor: {
        reason: 'parents',
        parents: expect.arrayContaining([
          { id: left, status: 'blocked' },
          { id: right, status: 'blocked' },
        ]),
        message: expect.stringContaining('waiting for 2 parent tasks'),
      },
    });
    expect(joined.history).toMatchObject([{ fromStatus: null, toStatus: 'blocked' }]);
    const parent = await task(root);
    expect(parent.dependents.sort()).toEqual([left, right].sort());
    expect(parent).toMatchObject({ dependsOn: [], onParentFailure: null });

    // Blocked is a status of its own everywhere: listings and queue counts.
    const listed = await api.callJson('/queues/default/tasks?status=blocked', admin);
    expect(listed.status).toBe(200);
    expect(listed.body.tasks.map((t: Json) => t.id)).toEqual(expect.arrayContaining([left, right, join]));
    const queues = await api.callJson('/queues', admin);
    const queue = queues.body.queues.find((q: Json) => q.name === 'default');
    expect(queue.counts.blocked).toBeGreaterThanOrEqual(3);
  });

  it('depends on existing tasks by id, and a cancel cascades over HTTP', async () => {
    const first = await enqueue([makeTask()]);
    const parentId = first.body.tasks[0].id;
    const { body } = await enqueue([makeTask({ dependsOn: [parentId] }), makeTask({ dependsOn: [0] })]);
    const [child, grandchild] = body.tasks.map((t: Json) => t.id);
    expect(body.tasks[0].status).toBe('blocked');
    const cancelled = await api.callJson(`/task/${parentId}/cancel`, { ...admin, method: 'POST' });
    expect(cancelled.status).toBe(200);
    for (const id of [child, grandchild]) expect((await task(id)).status).toBe('cancelled');
    const last = await task(grandchild);
    expect(last.error).toBe(`parent ${child} cancelled`);
    expect(last.history.at(-1)).toMatchObject({ fromStatus: 'blocked', toStatus: 'cancelled' });
  });

  it.each([
    [
      'an index pointing forward',
      [makeTask({ dependsOn: [1] }), makeTask()],
      0,
      'dependsOn.0',
      /points forward/,
    ],
    [
      'an index pointing at itself (a cycle)',
      [makeTask(), makeTask({ dependsOn: [1] })],
      1,
      'dependsOn.0',
      /itself \(a cycle\)/,
    ],
    [
      'a cycle through two tasks',
      [makeTask({ dependsOn: [1] }), makeTask({ dependsOn: [0] })],
      0,
      'dependsOn.0',
      /cycle/,
    ],
    ['a negative index', [makeTask({ dependsOn: [-1] })], 0, 'dependsOn.0', /./],
    [
      'an entry that is neither id nor index',
      [makeTask({ dependsOn: ['not-a-task'] })],
      0,
      'dependsOn.0',
      /./,
    ],
    ['an empty dependsOn', [makeTask({ dependsOn: [] })], 0, 'dependsOn', /./],
    [
      'onParentFailure without dependsOn',
      [makeTask({ onParentFailure: 'run' })],
      0,
      'onParentFailure',
      /needs dependsOn/,
    ],
    [
      'an unknown onParentFailure',
      [makeTask(), makeTask({ dependsOn: [0], onParentFailure: 'maybe' })],
      1,
      'onParentFailure',
      /./,
    ],
  ])('400 for %s, and nothing is stored', async (_name, tasks, index, field, message) => {
    const before = await api.db.pool.query('select count(*)::int as n from tasks');
    const { status, body } = await enqueue(tasks);
    expect(status, JSON.stringify(body)).toBe(400);
    expectErrorShape(body, 'validation_failed');
    expect(body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ index, field, message: expect.stringMatching(message) }),
      ]),
    );
    const after = await api.db.pool.query('select count(*)::int as n from tasks');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('400 for more than 100 parents', async () => {
    const { status, body } = await enqueue([
      makeTask(),
      makeTask({ dependsOn: Array.from({ length: 101 }, () => 0) }),
    ]);
    expect(status).toBe(400);
    expectErrorShape(body, 'validation_failed');
    expect(JSON.stringify(body.error.details)).toContain('100');
  });

  it('400 for an unknown parent id, naming it, and nothing is stored', async () => {
    const unknown = '0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f';
    const before = await api.db.pool.query('select count(*)::int as n from tasks');
    const { status, body } = await enqueue([makeTask(), makeTask({ dependsOn: [0, unknown] })]);
    expect(status).toBe(400);
    expectErrorShape(body, 'validation_failed');
    expect(body.error.details).toEqual([
      { index: 1, field: 'dependsOn', message: `no task with id ${unknown}` },
    ]);
    const after = await api.db.pool.query('select count(*)::int as n from tasks');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('a child of a deduplicated task waits for the task holding that key', async () => {
    const first = await enqueue([makeTask({ key: 'nightly-export' })]);
    const holder = first.body.tasks[0].id;
    const { body } = await enqueue([makeTask({ key: 'nightly-export' }), makeTask({ dependsOn: [0] })]);
    expect(body.duplicateKeys).toEqual(['nightly-export']);
    const child = await task(body.tasks[0].id);
    expect(child.dependsOn).toEqual([{ id: holder, status: 'queued' }]);
  });
});

describe('HTTP workers and dependencies', () => {
  it('a blocked external task is not handed out; once its parent succeeds it is, with its parents', async () => {
    const { body } = await enqueue([
      { taskType: 'Render', payload: { page: 1 } },
      { taskType: 'Render', payload: { page: 2 }, dependsOn: [0] },
    ]);
    const [parent, child] = body.tasks.map((t: Json) => t.id);
    const first = await api.callJson('/workers/claim', {
      ...asWorker,
      json: { worker: 'w1', types: ['Render'], max: 10 },
    });
    expect(first.status).toBe(200);
    expect(first.body.tasks.map((t: Json) => t.id)).toEqual([parent]);
    expect(first.body.tasks[0].parents).toBeUndefined();
    const done = await api.callJson(`/task/${parent}/complete`, {
      ...asWorker,
      json: { token: first.body.tasks[0].lease.token, result: { pages: 1 } },
    });
    expect(done.status).toBe(200);
    // Released in the same transaction as the parent's completion.
    expect((await task(child)).status).toBe('queued');
    const second = await api.callJson('/workers/claim', {
      ...asWorker,
      json: { worker: 'w1', types: ['Render'], max: 10 },
    });
    expect(second.body.tasks).toMatchObject([{ id: child, parents: { [parent]: { pages: 1 } } }]);
  });
});
