import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, runWorker, type WorkerEvent } from '../../src/client/index.js';
import { type ApiSetup, expectErrorShape, type Json, setupApi, tokenOf } from '../api/api-harness.js';
import { TaskEvents } from '../support/task-events.js';
import { SwitchableProxy } from './support/switchable-proxy.js';
import { WorkerEvents } from './support/worker-events.js';

const WORKER_TOKEN = tokenOf('remote');
// Short, to keep the test quick; long enough that a loaded machine keeps leases it heartbeats.
const LEASE_MS = 2000;
const CHILD_START_MS = 90_000;
const REPO = join(import.meta.dirname, '..', '..');

let api: ApiSetup;
const admin = { token: tokenOf('ops') };
const children: ChildProcess[] = [];

beforeAll(async () => {
  api = await setupApi({
    // The node's lease round is what rescues expired worker leases.
    processTasks: true,
    tokens: { ops: 'admin', remote: 'worker' },
    leaseMs: LEASE_MS,
    config: { tasks: { external: [{ type: 'Render', queue: 'render', maxRetries: 3, backOff: 0 }] } },
  });
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => api.close());

const enqueue = (tasks: Json[]) => api.enqueueIds(tasks, admin.token);
const task = (id: string) => api.taskDetail(id, admin.token);

/** A runWorker in its own process, its events read from stdout. */
function spawnWorker(name: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/client/fixtures/worker-child.ts'], {
    cwd: REPO,
    env: { ...process.env, BASE_URL: api.baseUrl, TOKEN: WORKER_TOKEN, TYPES: 'Render', NAME: name, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const events = new WorkerEvents();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) events.push(JSON.parse(line) as WorkerEvent);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`worker ${name} exited ${code}: ${stderr}`);
  });
  return { child, events };
}

describe('a worker killed mid-task', () => {
  it('loses the task to another worker after the lease; its late complete gets 409; the history shows the lost lease', async () => {
    const [id] = await enqueue([{ taskType: 'Render', payload: { frame: 1 } }]);
    const doomed = spawnWorker('doomed', { HOLD: '1' });
    // A child process starts slowly on a loaded machine: wait for it generously.
    const claimed = await doomed.events.next('claimed', (event) => event.task.id === id, CHILD_START_MS);
    // It heartbeats while it holds the task, so the task outlives a lease while the worker lives.
    await doomed.events.next('heartbeat', () => Date.now() - Date.parse(claimed.task.lease.expiresAt) > 0);
    expect(await task(id!)).toMatchObject({ status: 'running', attempts: 1 });

    doomed.child.kill('SIGKILL');
    await once(doomed.child, 'exit');
    const survivor = new WorkerEvents();
    const worker = runWorker({
      baseUrl: api.baseUrl,
      token: WORKER_TOKEN,
      types: ['Render'],
      name: 'survivor',
      claimWaitMs: 5_000,
      onEvent: survivor.push,
      handler: (_leased, context) => ({ by: 'survivor', attempt: context.attempt }),
    });
    const second = await survivor.next('claimed', (event) => event.task.id === id);
    // The task came back only once the last lease the killed worker renewed had run out.
    expect(second.task.attempt).toBe(2);
    await survivor.next('completed', (event) => event.taskId === id);
    await worker.stop();

    const lastHeartbeat = doomed.events.seen.filter((event) => event.kind === 'heartbeat').at(-1) as Extract<
      WorkerEvent,
      { kind: 'heartbeat' }
    >;
    const detail = await task(id!);
    const lost = detail.history.find((entry: Json) => entry.error?.startsWith('worker lost'));
    expect(lost).toMatchObject({ fromStatus: 'running', toStatus: 'retrying', attempt: 1 });
    expect(lost.error).toContain('worker:doomed');
    expect(Date.parse(lost.at)).toBeGreaterThanOrEqual(Date.parse(lastHeartbeat.expiresAt) - 50);

    const before = await task(id!);
    const late = await createClient({ baseUrl: api.baseUrl, token: WORKER_TOKEN }).POST(
      '/task/{id}/complete',
      {
        params: { path: { id: id! } },
        body: { token: claimed.task.lease.token, result: { by: 'doomed' } },
      },
    );
    expect(late.response.status).toBe(409);
    expectErrorShape(late.error, 'lease_lost');
    const after = await task(id!);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: 'succeeded', result: { by: 'survivor', attempt: 2 }, attempts: 2 });

    // Per-worker metrics: the killed worker's claim and lost lease, the survivor's claim and completion.
    const metrics = await (await api.call('/metrics', admin)).text();
    const count = (name: string, worker: string) =>
      Number(new RegExp(`^${name}\\{worker="${worker}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('pgtask_worker_claims_total', 'doomed')).toBe(1);
    expect(count('pgtask_worker_lost_leases_total', 'doomed')).toBe(1);
    expect(count('pgtask_worker_completions_total', 'doomed')).toBe(0);
    expect(count('pgtask_worker_claims_total', 'survivor')).toBe(1);
    expect(count('pgtask_worker_completions_total', 'survivor')).toBe(1);
    expect(count('pgtask_worker_lost_leases_total', 'survivor')).toBe(0);
  }, 180_000);

  it('a SIGTERM stops a worker cleanly: the task in hand is completed, nothing is lost', async () => {
    const [id] = await enqueue([{ taskType: 'Render', payload: { frame: 2 } }]);
    const gentle = spawnWorker('gentle');
    await gentle.events.next('completed', (event) => event.taskId === id, CHILD_START_MS);
    gentle.child.kill('SIGTERM');
    const [code] = await once(gentle.child, 'exit');
    expect(code).toBe(0);
    expect(gentle.events.kinds().at(-1)).toBe('stopped');
    expect(await task(id!)).toMatchObject({ status: 'succeeded', result: { by: 'gentle' } });
  }, 180_000);
});

describe('the server away', () => {
  it('backs off with jitter while it is away and resumes; a lease that ran out meanwhile aborts the handler', async () => {
    const proxy = new SwitchableProxy(api.http.port);
    await proxy.up();
    const events = new WorkerEvents();
    const worker = runWorker({
      baseUrl: proxy.url,
      token: WORKER_TOKEN,
      types: ['Render'],
      name: 'patient',
      concurrency: 2,
      claimWaitMs: 1_000,
      reconnect: { minMs: 20, maxMs: 300 },
      onEvent: events.push,
      handler: async (leased, context) => {
        // The first attempt holds on until its lease is lost; the retry finishes at once.
        if (context.attempt === 1 && (leased.payload as { hold?: boolean }).hold)
          await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
        return { frame: (leased.payload as { frame: number }).frame, attempt: context.attempt };
      },
    });
    const engineEvents = TaskEvents.watch(api.engine);
    const [inHand] = await enqueue([{ taskType: 'Render', payload: { frame: 3, hold: true } }]);
    await events.next('claimed', (event) => event.task.id === inHand);

    await proxy.down();
    // Failed claims in a row, each waiting longer up to the cap, with jitter.
    await events.next('server_unreachable', () => events.count('server_unreachable') >= 6);
    const delays = events.seen.flatMap((event) =>
      event.kind === 'server_unreachable' ? [event.retryInMs] : [],
    );
    expect(delays.every((ms) => ms >= 10 && ms <= 300)).toBe(true);
    expect(delays.at(-1)).toBeGreaterThan(delays[0]!);
    expect(new Set(delays).size).toBeGreaterThan(1);
    // Away longer than the lease: the server rescues the task held by the unreachable worker.
    await engineEvents.next(
      { taskId: inHand },
      (event) => event.error?.startsWith('worker lost') ?? false,
      30_000,
    );
    const [queued] = await enqueue([{ taskType: 'Render', payload: { frame: 4 } }]);

    await proxy.up();
    await events.next('reconnected');
    await events.next('lease_lost', (event) => event.taskId === inHand);
    await events.next('completed', (event) => event.taskId === queued);
    await events.next('completed', (event) => event.taskId === inHand);
    await worker.stop();
    await proxy.down();
    engineEvents.stop();
    expect(await task(queued!)).toMatchObject({ status: 'succeeded', result: { frame: 4 } });
    // The first attempt's answer was never sent: the stored result is the retry's.
    expect(await task(inHand!)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: { frame: 3, attempt: 2 },
    });
  }, 60_000);
});
