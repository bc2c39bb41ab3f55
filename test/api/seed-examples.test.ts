import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, expectErrorShape, setupApi } from './api-harness.js';

const run = promisify(execFile);

/** The seed system's README examples, copied verbatim (only the host:port is swapped in). */
const SEED = {
  healthz: `curl --location 'http://localhost:8080/healthz'`,
  getTask: `curl --location 'http://localhost:8080/task/{taskId}'`,
  enqueue: `curl --location 'http://localhost:8080/tasks/enqueue' \\
--header 'Content-Type: application/json' \\
--data-raw '{
  "tasks" : [
    {
      "taskType" : "SendEmail",
      "payload": {
        "sendTo" : ["helloworld@test.com", "helloWorld2@test.com"],
        "sendFrom": "hello1@test.com",
        "subject" : "Hi !",
        "body" : "hope you are well"
      }
    },
    {
      "taskType" : "GenerateReport",
      "priority" : 1,
      "payload" : {
        "notify" : ["helloworld@test.com", "helloWorld2@test.com"],
        "reportType" : "Financial Report"
      }
    },
    {
      "taskType" : "CPUProcess",
      "priority" : 1,
      "payload" : {
        "ProcessType" : "want to fail"
      },
      "backOffDuration" : "5s"
    }
  ]
}'`,
  retry: `curl --location --request POST 'http://localhost:8080/task/e83a5116-0191-462c-8cf7-18c21a3a4939/retry' \\
--data ''`,
};
const SEED_TASK_ID = 'e83a5116-0191-462c-8cf7-18c21a3a4939';

describe("the seed README's curl examples, verbatim", () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi();
  });
  afterAll(async () => api?.close());

  /** Runs a command through bash as a user would paste it; returns the status and parsed body. */
  const curl = async (command: string) => {
    const line = `${command.replaceAll('http://localhost:8080', api.baseUrl)} --silent --write-out '\\n%{http_code}'`;
    const { stdout } = await run('bash', ['-c', line]);
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) };
  };

  it('GET /healthz', async () => {
    expect(await curl(SEED.healthz)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('POST /tasks/enqueue with the three seed task types', async () => {
    const { status, body } = await curl(SEED.enqueue);
    expect(status).toBe(202);
    expect(body).toMatchObject({ requested: 3, submitted: 3, duplicates: 0, duplicateKeys: [] });
    expect(body.tasks.map((task: { taskType: string }) => task.taskType)).toEqual([
      'SendEmail',
      'GenerateReport',
      'CPUProcess',
    ]);
    const cpu = body.tasks[2].id;
    const fetched = await curl(SEED.getTask.replace('{taskId}', cpu));
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      id: cpu,
      taskType: 'CPUProcess',
      priority: 1,
      backOffDuration: '5s',
      payload: { ProcessType: 'want to fail' },
    });
  });

  it('GET /task/{taskId} as written (curl sends /task/taskId): 404 as JSON', async () => {
    const { status, body } = await curl(SEED.getTask);
    expect(status).toBe(404);
    expectErrorShape(body, 'task_not_found');
  });

  it('POST /task/{id}/retry with an empty form body: 404 while no such task, 200 for a dead one', async () => {
    const missing = await curl(SEED.retry);
    expect(missing.status).toBe(404);
    expectErrorShape(missing.body, 'task_not_found');

    await api.db.pool.query(
      `insert into tasks (id, type, status, payload, attempts, max_attempts, backoff_ms, error, finished_at)
       values ($1, 'CPUProcess', 'dead', '{"ProcessType": "want to fail"}', 4, 4, 5000, 'failed', now())`,
      [SEED_TASK_ID],
    );
    const retried = await curl(SEED.retry);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: SEED_TASK_ID, status: 'queued' });
  });
});
