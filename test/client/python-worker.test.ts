import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, type Json, setupApi, tokenOf } from '../api/api-harness.js';

const WORKER_TOKEN = tokenOf('python');
const ADMIN_TOKEN = tokenOf('ops');
const WORKER_SCRIPT = join(import.meta.dirname, '..', '..', 'examples', 'workers', 'python', 'worker.py');
const TASKS = 1000;

let api: ApiSetup;

beforeAll(async () => {
  api = await setupApi({
    processTasks: true,
    tokens: { ops: 'admin', python: 'worker' },
    config: {
      tasks: {
        external: [
          {
            type: 'ResizeImage',
            queue: 'images',
            payloadSchema: {
              type: 'object',
              required: ['url'],
              properties: { url: { type: 'string', minLength: 1 }, width: { type: 'integer', minimum: 1 } },
            },
          },
        ],
      },
    },
  });
});
afterAll(() => api.close());

describe('examples/workers/python/worker.py (standard library only)', () => {
  it(`drains ${TASKS} tasks with 4 concurrent claims: each succeeds once, results stored`, async () => {
    const tasks = Array.from({ length: TASKS }, (_, n) => ({
      taskType: 'ResizeImage',
      payload: { url: `https://img.example/${n}.png`, width: 100 + n },
    }));
    const enqueued = await api.callJson('/tasks/enqueue', { token: ADMIN_TOKEN, json: { tasks } });
    expect(enqueued.status).toBe(202);

    const child = spawn(
      'python3',
      [
        WORKER_SCRIPT,
        '--types',
        'ResizeImage',
        '--concurrency',
        '4',
        '--wait',
        '2',
        '--exit-when-idle',
        '--name',
        'py-drain',
      ],
      {
        env: { ...process.env, PGTASK_URL: api.baseUrl, PGTASK_TOKEN: WORKER_TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // While it works, GET /workers shows it holding tasks (up to its 4 claims).
    const held = await heldWhileDraining();
    const [code] = await once(child, 'exit');
    expect(code, stderr).toBe(0);
    // The worker's own log says why when it held more (a claim answered with an error, say).
    expect(held, stderr).toBeGreaterThan(0);
    expect(held, stderr).toBeLessThanOrEqual(4);

    const { rows } = await api.db.pool.query(
      `select t.status, t.attempts, t.result, t.payload,
              (select count(*)::int from task_events e where e.task_id = t.id and e.to_status = 'running') as starts,
              (select count(*)::int from task_events e where e.task_id = t.id and e.to_status = 'succeeded') as successes
         from tasks t where t.type = 'ResizeImage'`,
    );
    expect(rows).toHaveLength(TASKS);
    const wrong = rows.filter(
      (row: Json) =>
        row.status !== 'succeeded' ||
        row.attempts !== 1 ||
        row.starts !== 1 ||
        row.successes !== 1 ||
        row.result?.resized !== row.payload.url ||
        row.result?.width !== row.payload.width,
    );
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(stderr).not.toMatch(/lease lost|refused|Traceback/);
  }, 300_000);
});

/** The most tasks GET /workers showed py-drain holding, polled until the drain ends. */
async function heldWhileDraining(): Promise<number> {
  let most = 0;
  for (;;) {
    const { body } = await api.callJson('/workers', { token: ADMIN_TOKEN });
    const worker = body.workers.find((entry: Json) => entry.name === 'py-drain');
    most = Math.max(most, worker?.running ?? 0);
    const left = await api.db.pool.query(
      `select count(*)::int as n from tasks where type = 'ResizeImage' and status <> 'succeeded'`,
    );
    if (left.rows[0].n === 0) return most;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
