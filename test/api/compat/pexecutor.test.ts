import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompatSetup, setupCompat } from './compat-harness.js';

/** Seeds 000/001 (Pexecutor) README commands, verbatim; only localhost:8080 is swapped for our server. */
const SEED = {
  submit: `curl -X POST localhost:8080/tasks \\
   -H "Content-Type: application/json" \\
   -d '[{"name": "Task 1","duration":3000}, 
    {"name": "Task 2","duration":2000},
    {"name": "Task 3","duration":5000},
    {"name": "Task 4","duration":7000},
    {"name": "Task 5","duration":7500},
    {"name": "Task 6","duration":2200},
    {"name": "Task 7","duration":8000},
    {"name": "Task 8","duration":3330},
    {"name": "Task 9","duration":2200},
    {"name": "Task 10","duration":5100}]'`,
  running: 'curl localhost:8080/tasks/running | jq .',
  pending: 'curl localhost:8080/tasks/pending | jq .',
};
const ORIGIN = 'localhost:8080';
const SEED_TASKS = [
  { name: 'Task 1', duration: 3000 },
  { name: 'Task 2', duration: 2000 },
  { name: 'Task 3', duration: 5000 },
  { name: 'Task 4', duration: 7000 },
  { name: 'Task 5', duration: 7500 },
  { name: 'Task 6', duration: 2200 },
  { name: 'Task 7', duration: 8000 },
  { name: 'Task 8', duration: 3330 },
  { name: 'Task 9', duration: 2200 },
  { name: 'Task 10', duration: 5100 },
];

describe('Pexecutor: the README walk-through with --pool-size 5', () => {
  let api: CompatSetup;
  beforeAll(async () => {
    // The sleeps run until the end of the file: each check reads a state that cannot move on.
    api = await setupCompat({
      config: { queue: { workerPoolSize: 5, maxBufferSize: 1000 } },
      holdSleeps: true,
    });
  });
  afterAll(async () => api?.close());

  it('counts 7 submitted and 3 duplicates when 3 of the names are already waiting or running', async () => {
    const first = await api.call('/tasks', { json: SEED_TASKS.slice(0, 3) });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ RequestedTask: 3, SubmittedTasks: 3, DuplicateTasks: 0 });

    const { status, body } = await api.curl(SEED.submit, ORIGIN);
    expect(status).toBe(200);
    // Exactly the three keys, spelled as the seed spells them.
    expect(Object.keys(body)).toEqual(['RequestedTask', 'SubmittedTasks', 'DuplicateTasks']);
    expect(body).toEqual({ RequestedTask: 10, SubmittedTasks: 7, DuplicateTasks: 3 });
  });

  it('lists at most pool-size running tasks and the rest as pending in run order, as {name, duration}', async () => {
    const running = await api.waitFor(
      () => api.curl(SEED.running, ORIGIN),
      (result) => Array.isArray(result.body) && result.body.length === 5,
    );
    expect(running.status).toBe(200);
    for (const task of running.body) {
      expect(Object.keys(task).sort()).toEqual(['duration', 'name']);
      expect(SEED_TASKS).toContainEqual(task);
    }
    const pending = await api.curl(SEED.pending, ORIGIN);
    expect(pending.status).toBe(200);
    expect(pending.body).toHaveLength(5);
    // Equal priority runs first-in first-out, so the waiting ones are the later submissions, in order.
    const order = SEED_TASKS.map((task) => task.name);
    const pendingNames: string[] = pending.body.map((task: { name: string }) => task.name);
    expect(pendingNames).toEqual([...pendingNames].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    const runningNames = running.body.map((task: { name: string }) => task.name);
    expect(new Set([...runningNames, ...pendingNames]).size).toBe(10);
  });

  it('rejects every name again while it is pending or running', async () => {
    const again = await api.curl(SEED.submit, ORIGIN);
    expect(again.body).toEqual({ RequestedTask: 10, SubmittedTasks: 0, DuplicateTasks: 10 });
  });
});

describe('Pexecutor: duplicates, non-blocking submit, bad input', () => {
  let api: CompatSetup;
  beforeAll(async () => {
    api = await setupCompat({ config: { queue: { workerPoolSize: 1, maxBufferSize: 2 } } });
  });
  afterAll(async () => api?.close());

  /** Nothing running and nothing pending: the one worker is free. */
  const untilIdle = () =>
    api.waitFor(
      async () => [(await api.call('/tasks/running')).body, (await api.call('/tasks/pending')).body],
      ([running, pending]) => running.length === 0 && pending.length === 0,
    );

  it('counts a name as a duplicate while it runs and accepts it again once it finished', async () => {
    const submit = () => api.call('/tasks', { json: [{ name: 'again', duration: 400 }] });
    // Held, the sleep is still running when the second submit arrives, however slow the machine.
    api.sleeps.hold();
    expect((await submit()).body).toEqual({ RequestedTask: 1, SubmittedTasks: 1, DuplicateTasks: 0 });
    await api.waitFor(
      () => api.call('/tasks/running'),
      (result) => result.body.some((task: { name: string }) => task.name === 'again'),
    );
    expect((await submit()).body).toEqual({ RequestedTask: 1, SubmittedTasks: 0, DuplicateTasks: 1 });
    api.sleeps.release();
    await untilIdle();
    expect((await submit()).body).toEqual({ RequestedTask: 1, SubmittedTasks: 1, DuplicateTasks: 0 });
    await untilIdle();
  });

  it('counts a name repeated inside one request once', async () => {
    const { body } = await api.call('/tasks', {
      json: [
        { name: 'twice', duration: 10 },
        { name: 'twice', duration: 10 },
      ],
    });
    expect(body).toEqual({ RequestedTask: 2, SubmittedTasks: 1, DuplicateTasks: 1 });
  });

  it('answers at once however full the buffer and busy the one worker are (the seed blocked here)', async () => {
    // Held, 'long' keeps the one worker busy until the file ends, so the whole batch waits.
    await untilIdle();
    api.sleeps.hold();
    await api.call('/tasks', { json: [{ name: 'long', duration: 60_000 }] });
    await api.waitFor(
      () => api.call('/tasks/running'),
      (result) => result.body.some((task: { name: string }) => task.name === 'long'),
    );
    const many = Array.from({ length: 2000 }, (_, i) => ({ name: `many ${i}`, duration: 1000 }));
    const started = Date.now();
    const { status, body } = await api.call('/tasks', { json: many });
    expect(status).toBe(200);
    expect(body).toEqual({ RequestedTask: 2000, SubmittedTasks: 2000, DuplicateTasks: 0 });
    expect(Date.now() - started).toBeLessThan(5000);
    const pending = await api.call('/tasks/pending');
    // The whole batch waits in its own order; the list shows its first 1,000.
    expect(pending.body).toHaveLength(1000);
    expect(pending.body[0]).toEqual({ name: 'many 0', duration: 1000 });
    expect(pending.body.at(-1)).toEqual({ name: 'many 999', duration: 1000 });
  });

  it.each([
    { name: 'an object instead of an array', body: { name: 'x', duration: 1 }, field: '(body)' },
    { name: 'a missing duration', body: [{ name: 'x' }], field: '0.duration' },
    { name: 'a negative duration', body: [{ name: 'x', duration: -1 }], field: '0.duration' },
    { name: 'a fractional duration', body: [{ name: 'x', duration: 1.5 }], field: '0.duration' },
    { name: 'a duration as text', body: [{ name: 'x', duration: '1s' }], field: '0.duration' },
    { name: 'an empty name', body: [{ name: '', duration: 1 }], field: '0.name' },
    { name: 'a missing name', body: [{ duration: 1 }], field: '0.name' },
  ])('answers 400 with the bad field for $name', async ({ body, field }) => {
    const response = await api.call('/tasks', { json: body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
  });

  it('answers 400 for malformed JSON and 415 for a body that is not JSON', async () => {
    const malformed = await api.call('/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[{"name": "x",',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const form = await api.call('/tasks', { method: 'POST', body: 'name=x' });
    expect(form.status).toBe(415);
  });

  it('answers an empty list with zero counts', async () => {
    expect((await api.call('/tasks', { json: [] })).body).toEqual({
      RequestedTask: 0,
      SubmittedTasks: 0,
      DuplicateTasks: 0,
    });
  });
});
