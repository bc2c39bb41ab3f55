import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { historyOf, tasksById, waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { ServiceProcess } from './support/service.js';

const POOL = 2;

/** Each misbehaving task and the error its failure must record. */
const FAULTS = [
  {
    name: 'never returns (main thread, ignores abort)',
    task: { taskType: 'Hang', timeout: '1s' },
    error: /timeout/i,
  },
  {
    name: 'never returns (worker thread, spins)',
    task: { taskType: 'ThreadFault', payload: { kind: 'spin' }, timeout: '1s' },
    error: /timeout/i,
  },
  {
    name: 'exits its worker thread',
    task: { taskType: 'ThreadFault', payload: { kind: 'exit' } },
    error: /exited with code 3/,
  },
  {
    name: 'throws a string',
    task: { taskType: 'ThrowValue', payload: { value: 'plain string' } },
    error: /plain string/,
  },
  { name: 'throws a number', task: { taskType: 'ThrowValue', payload: { value: 42 } }, error: /42/ },
  { name: 'throws undefined', task: { taskType: 'ThrowValue', payload: {} }, error: /undefined/ },
  { name: 'throws null', task: { taskType: 'ThrowValue', payload: { value: null } }, error: /null/ },
  {
    name: 'rejects with an object',
    task: { taskType: 'ThrowValue', payload: { value: { reason: 'nope' }, async: true } },
    error: /nope/,
  },
  {
    name: 'throws a non-Error in a worker thread',
    task: { taskType: 'ThreadFault', payload: { kind: 'throw-value', value: { code: 7 } } },
    error: /7/,
  },
  {
    name: 'uncaught exception in a worker thread',
    task: { taskType: 'ThreadFault', payload: { kind: 'uncaught', value: 'late boom' } },
    error: /crashed/,
  },
];

describe('handlers that misbehave', () => {
  let db: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await ServiceProcess.start({
      name: 'faults',
      databaseUrl: db.url,
      entry: 'fixture',
      config: { queue: { workerPoolSize: POOL } },
    });
  });

  afterAll(async () => {
    await service?.destroy();
    await db.drop();
  });

  it('each end in a recorded failure, free their pool slot, and the process lives', async (context) => {
    context.onTestFailed(() => console.log(service.tail(60)));
    // Twice over, so every pool slot meets a fault more than once; then ordinary tasks behind them.
    const faulty = await service.enqueue(
      [...FAULTS, ...FAULTS].map((fault) => ({ ...fault.task, priority: 10, maxRetries: 0 })),
    );
    const normal = await service.enqueue(
      Array.from({ length: 20 }, () => ({ taskType: 'Sleep', payload: { duration: 20 } })),
    );
    const faultyIds = faulty.tasks.map((task) => task.id);
    const normalIds = normal.tasks.map((task) => task.id);
    const started = Date.now();
    await waitForFinished(db.pool, { count: faultyIds.length + normalIds.length, timeoutMs: 60_000 });
    const elapsedMs = Date.now() - started;

    const rows = await tasksById(db.pool, [...faultyIds, ...normalIds]);
    const history = await historyOf(db.pool, faultyIds);
    const recorded: string[] = [];
    faultyIds.forEach((id, index) => {
      const fault = FAULTS[index % FAULTS.length]!;
      const row = rows.get(id)!;
      expect(row, fault.name).toMatchObject({ status: 'dead', attempts: 1, locked_by: null });
      expect(row.error, fault.name).toMatch(fault.error);
      const last = history.get(id)!.at(-1)!;
      expect(last, fault.name).toMatchObject({ from_status: 'running', to_status: 'dead', attempt: 1 });
      expect(last.error, fault.name).toMatch(fault.error);
      if (index < FAULTS.length) recorded.push(`${fault.name}: ${row.error}`);
    });
    for (const id of normalIds) expect(rows.get(id)).toMatchObject({ status: 'succeeded', attempts: 1 });

    expect(service.alive).toBe(true);
    expect((await service.request('/healthz')).status).toBe(200);
    // The pool is whole again: a fresh task runs at once.
    const after = await service.enqueue([{ taskType: 'Fibonacci', payload: { n: 90 } }]);
    await waitForFinished(db.pool, { count: 1, timeoutMs: 10_000, ids: [after.tasks[0]!.id] });
    expect((await tasksById(db.pool, [after.tasks[0]!.id])).get(after.tasks[0]!.id)).toMatchObject({
      status: 'succeeded',
      result: { value: '2880067194370816120' },
    });
    console.log(`[fault-suite] recorded errors:\n  ${recorded.join('\n  ')}`);
    recordResult('handler-faults', {
      scenario: 'handlers that never return, throw non-Errors, exit their worker thread',
      result: `${faultyIds.length} faulty tasks each dead after 1 attempt with its error recorded; 20 ordinary tasks behind them on a pool of ${POOL} succeeded; process alive`,
      figures: { faultyTasks: faultyIds.length, ordinaryTasks: normalIds.length, pool: POOL, elapsedMs },
    });
  });

  it('records what a worker thread threw when it died of an uncaught non-Error', async () => {
    const answer = await service.enqueue([
      { taskType: 'ThreadFault', payload: { kind: 'uncaught', value: 'late boom' }, maxRetries: 0 },
    ]);
    const id = answer.tasks[0]!.id;
    await waitForFinished(db.pool, { count: 1, timeoutMs: 10_000, ids: [id] });
    const row = (await tasksById(db.pool, [id])).get(id)!;
    expect(row.status).toBe('dead');
    // ThreadRunner's 'error' listener reads error.message, which a thrown string does not have.
    expect(row.error, 'the recorded error should name the thrown value').toMatch(/late boom/);
  });
});
