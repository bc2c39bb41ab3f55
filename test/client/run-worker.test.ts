import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  LeaseLostError,
  PermanentError,
  type RunWorkerOptions,
  runWorker,
  WorkerRejectedError,
} from '../../src/client/index.js';
import { type ApiSetup, type Json, setupApi, tokenOf } from '../api/api-harness.js';
import { until } from '../support/until.js';
import { deferred, WorkerEvents } from './support/worker-events.js';

const WORKER_TOKEN = tokenOf('remote');
const ADMIN_TOKEN = tokenOf('ops');
const READ_TOKEN = tokenOf('viewer');
// Long enough that a loaded CI machine does not lose leases of quick tasks; short enough to test.
const LEASE_MS = 2000;

let api: ApiSetup;
const admin = { token: ADMIN_TOKEN };

beforeAll(async () => {
  api = await setupApi({
    // The node's lease round is what rescues expired worker leases.
    processTasks: true,
    tokens: { ops: 'admin', remote: 'worker', viewer: 'read' },
    leaseMs: LEASE_MS,
    config: {
      tasks: {
        external: [
          {
            type: 'Double',
            queue: 'remote',
            maxRetries: 2,
            backOff: 0,
            payloadSchema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          },
          { type: 'Long', queue: 'long' },
          { type: 'Flaky', queue: 'flaky', maxRetries: 3, backOff: 0 },
        ],
      },
    },
  });
});
afterAll(() => api.close());

const enqueue = (tasks: Json[]) => api.enqueueIds(tasks, admin.token);
const task = (id: string) => api.taskDetail(id, admin.token);

function startWorker(options: Partial<RunWorkerOptions> & Pick<RunWorkerOptions, 'types' | 'handler'>) {
  const events = new WorkerEvents();
  const worker = runWorker({
    baseUrl: api.baseUrl,
    token: WORKER_TOKEN,
    claimWaitMs: 5_000,
    reconnect: { minMs: 20, maxMs: 200 },
    ...options,
    onEvent: events.push,
  });
  return { worker, events };
}

describe('createClient', () => {
  it('calls the API with typed paths and bodies, with the bearer token', async () => {
    const client = createClient({ baseUrl: `${api.baseUrl}/`, token: ADMIN_TOKEN });
    const enqueued = await client.POST('/tasks/enqueue', {
      body: { tasks: [{ taskType: 'Double', payload: { n: 1 } }] },
    });
    expect(enqueued.response.status).toBe(202);
    const id = enqueued.data!.tasks[0]!.id;
    const read = await client.GET('/task/{id}', { params: { path: { id } } });
    expect(read.data).toMatchObject({ id, taskType: 'Double', status: 'queued' });

    const refused = await createClient({ baseUrl: api.baseUrl }).GET('/task/{id}', {
      params: { path: { id } },
    });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ error: { code: 'unauthorized' } });
    await api.callJson(`/task/${id}/cancel`, { ...admin, method: 'POST' });
  });
});

describe('runWorker', () => {
  it('runs every task to one success with at most `concurrency` at a time and stores the results', async () => {
    const ids = await enqueue(Array.from({ length: 30 }, (_, n) => ({ taskType: 'Double', payload: { n } })));
    const runs = new Map<string, number>();
    let inHand = 0;
    let most = 0;
    const { worker, events } = startWorker({
      types: ['Double'],
      concurrency: 4,
      name: 'doubler',
      handler: async (leased) => {
        runs.set(leased.id, (runs.get(leased.id) ?? 0) + 1);
        most = Math.max(most, ++inHand);
        await new Promise((resolve) => setImmediate(resolve));
        inHand--;
        return { doubled: (leased.payload as { n: number }).n * 2 };
      },
    });
    await Promise.all(ids.map((id) => events.next('completed', (event) => event.taskId === id)));
    await worker.stop();
    expect(events.kinds().at(-1)).toBe('stopped');
    expect(most).toBeLessThanOrEqual(4);
    const { rows } = await api.db.pool.query(
      `select t.id, t.status, t.result,
              (select count(*)::int from task_events e where e.task_id = t.id and e.to_status = 'running') as starts,
              (select count(*)::int from task_events e where e.task_id = t.id and e.to_status = 'succeeded') as successes
         from tasks t where t.id = any($1::uuid[]) order by (t.payload->>'n')::int`,
      [ids],
    );
    expect(rows.map((row) => row.result)).toEqual(ids.map((_, n) => ({ doubled: n * 2 })));
    expect(rows.every((row) => row.status === 'succeeded' && row.successes === 1)).toBe(true);
    // Every run the handler made was a recorded start (a run again only after a lost lease).
    expect(rows.map((row) => row.starts)).toEqual(rows.map((row) => runs.get(row.id)));
    const detail = await task(ids[0]!);
    expect(detail.history[1].nodeId).toMatch(/^worker:doubler\//);
  });

  it('fails a throwing handler (retried), and a PermanentError at once (dead)', async () => {
    const [flaky, permanent] = await enqueue([
      { taskType: 'Flaky', payload: { kind: 'flaky' } },
      { taskType: 'Flaky', payload: { kind: 'permanent' } },
    ]);
    const attempts = new Map<string, number[]>();
    const { worker, events } = startWorker({
      types: ['Flaky'],
      name: 'flaky-worker',
      concurrency: 2,
      handler: (leased, context) => {
        attempts.set(leased.id, [...(attempts.get(leased.id) ?? []), context.attempt]);
        if ((leased.payload as { kind: string }).kind === 'permanent') throw new PermanentError('bad input');
        if (context.attempt < 3) throw new Error(`try ${context.attempt}`);
        return 'third time';
      },
    });
    await events.next('completed', (event) => event.taskId === flaky);
    await events.next('failed', (event) => event.taskId === permanent);
    await worker.stop();
    expect(attempts.get(flaky!)).toEqual([1, 2, 3]);
    expect(attempts.get(permanent!)).toEqual([1]);
    expect(await task(flaky!)).toMatchObject({ status: 'succeeded', result: 'third time', attempts: 3 });
    expect(await task(permanent!)).toMatchObject({ status: 'dead', error: 'bad input', attempts: 1 });
    expect(events.seen.filter((event) => event.kind === 'failed').map((event) => event.status)).toEqual(
      expect.arrayContaining(['retrying', 'dead']),
    );
    const metrics = await (await api.call('/metrics', admin)).text();
    expect(metrics).toMatch(/^pgtask_worker_failures_total\{worker="flaky-worker"\} 3$/m);
    expect(metrics).toMatch(/^pgtask_worker_completions_total\{worker="flaky-worker"\} 1$/m);
    expect(metrics).toMatch(/^pgtask_worker_claims_total\{worker="flaky-worker"\} 4$/m);
  });

  it('heartbeats keep a task alive for 3x the lease; cancelling it aborts the handler on the next heartbeat', async () => {
    const [id] = await enqueue([{ taskType: 'Long', payload: {} }]);
    const aborted = deferred<unknown>();
    const { worker, events } = startWorker({
      types: ['Long'],
      handler: async (_leased, context) => {
        context.progress(0.5, 'half way');
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
        aborted.resolve(context.signal.reason);
        return 'must not be stored';
      },
    });
    const claimed = await events.next('claimed', (event) => event.task.id === id);
    const claimedAt = Date.now();
    // The first heartbeat seen once the task has run for three leases.
    await events.next('heartbeat', (event) => event.taskId === id && Date.now() - claimedAt >= 3 * LEASE_MS);
    const alive = await task(id!);
    expect(alive).toMatchObject({
      status: 'running',
      attempts: 1,
      progress: { fraction: 0.5, message: 'half way' },
    });
    expect(alive.history.some((entry: Json) => entry.error?.startsWith('worker lost'))).toBe(false);

    expect((await api.callJson(`/task/${id}/cancel`, { ...admin, method: 'POST' })).status).toBe(200);
    const reason = await aborted.promise;
    expect(reason).toBeInstanceOf(LeaseLostError);
    await events.next('lease_lost', (event) => event.taskId === id);
    await worker.stop();
    const cancelled = await task(id!);
    expect(cancelled).toMatchObject({ status: 'cancelled', result: null });
    expect(cancelled.history.at(-1)).toMatchObject({ fromStatus: 'running', toStatus: 'cancelled' });
    expect(events.count('completed')).toBe(0);
    expect(claimed.task.lease.token).toEqual(expect.any(String));
  });

  it('stops cleanly: no more claims, the task in hand finishes and is answered', async () => {
    const [id] = await enqueue([{ taskType: 'Long', payload: { stop: true } }]);
    const release = deferred();
    const { worker, events } = startWorker({
      types: ['Long'],
      concurrency: 2,
      handler: async () => {
        await release.promise;
        return 'finished after stop';
      },
    });
    await events.next('claimed', (event) => event.task.id === id);
    // The free slot long-polls; stop() ends that poll at once.
    await until(() => api.engine.workerLeases.waitingClaims > 0, { what: 'a claim to wait' });
    const stopped = worker.stop();
    await until(() => api.engine.workerLeases.waitingClaims === 0, { what: 'the waiting claim to end' });
    const [later] = await enqueue([{ taskType: 'Long', payload: { after: 'stop' } }]);
    release.resolve();
    await stopped;
    expect(await task(id!)).toMatchObject({ status: 'succeeded', result: 'finished after stop' });
    expect(await task(later!)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(events.kinds().at(-1)).toBe('stopped');
    await api.callJson(`/task/${later}/cancel`, { ...admin, method: 'POST' });
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const { worker, events } = startWorker({
      types: ['Double'],
      handler: () => 1,
      signal: controller.signal,
    });
    await until(() => api.engine.workerLeases.waitingClaims > 0, { what: 'a claim to wait' });
    controller.abort();
    await worker.done;
    expect(events.kinds()).toEqual(['stopped']);
  });

  it('rejects `done` when the server refuses the claim for good (wrong scope, unknown type)', async () => {
    const wrongScope = startWorker({ types: ['Double'], handler: () => 1, token: READ_TOKEN });
    await expect(wrongScope.worker.done).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    const unknown = startWorker({ types: ['Nope'], handler: () => 1 });
    const error = await unknown.worker.done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkerRejectedError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});
