import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { waitForFinished } from './support/history.js';
import { recordResult } from './support/results.js';
import { ServiceProcess, sampleRss } from './support/service.js';

interface BadRequest {
  name: string;
  method?: string;
  path?: string;
  contentType?: string | null;
  body?: string | Uint8Array<ArrayBuffer>;
  /** Statuses that count as a clear answer for this input (default: any 4xx). */
  expect?: number[];
}

const JSON_TYPE = 'application/json';
const enqueueBody = (tasks: unknown) => JSON.stringify({ tasks });
const sleepTask = (fields: Record<string, unknown>) => ({
  taskType: 'Sleep',
  payload: { duration: 1 },
  ...fields,
});

const CASES: BadRequest[] = [
  { name: 'malformed JSON', body: '{"tasks": [{"taskType": "Sleep",', expect: [400] },
  { name: 'JSON with a trailing comma', body: '{"tasks": [],}', expect: [400] },
  { name: 'empty body', body: '', expect: [400] },
  { name: 'a JSON array instead of an object', body: '[]', expect: [400] },
  { name: 'JSON null', body: 'null', expect: [400] },
  { name: 'no tasks', body: enqueueBody([]), expect: [400] },
  {
    name: 'wrong content type (text/plain)',
    contentType: 'text/plain',
    body: enqueueBody([sleepTask({})]),
    expect: [415],
  },
  {
    name: 'wrong content type (form)',
    contentType: 'application/x-www-form-urlencoded',
    body: 'tasks=1',
    expect: [415],
  },
  { name: 'no content type', contentType: null, body: enqueueBody([sleepTask({})]), expect: [415, 400] },
  {
    name: '10 MB body',
    body: enqueueBody([sleepTask({ key: 'x'.repeat(10 * 1024 * 1024) })]),
    expect: [413],
  },
  {
    name: '100,000 tasks in one request',
    body: enqueueBody(Array.from({ length: 100_000 }, () => ({ taskType: 'Sleep' }))),
    expect: [413, 400],
  },
  {
    name: 'raw NUL byte in the body',
    body: new TextEncoder().encode('{"tasks":[{"taskType":"Sle\u0000ep"}]}'),
    expect: [400],
  },
  { name: 'NUL in a dedupe key', body: enqueueBody([sleepTask({ key: 'a\u0000b' })]), expect: [400] },
  { name: 'NUL in a task type', body: enqueueBody([{ taskType: 'Sleep\u0000' }]), expect: [400] },
  { name: 'NUL in a queue name', body: enqueueBody([sleepTask({ queue: 'q\u0000' })]), expect: [400] },
  {
    name: 'NUL inside a payload string',
    body: enqueueBody([
      {
        taskType: 'SendEmail',
        payload: {
          sendTo: ['a@example.com'],
          sendFrom: 'b@example.com',
          subject: 'hi\u0000there',
          body: 'x',
        },
      },
    ]),
    expect: [400],
  },
  {
    name: 'NUL in a payload key',
    body: enqueueBody([{ taskType: 'Sleep', payload: { 'dur\u0000': 1 } }]),
    expect: [400],
  },
  { name: 'huge priority (1e300)', body: enqueueBody([sleepTask({ priority: 1e300 })]), expect: [400] },
  {
    name: 'priority beyond 2^53',
    body: '{"tasks":[{"taskType":"Sleep","priority":90071992547409930000}]}',
    expect: [400],
  },
  { name: 'fractional priority', body: enqueueBody([sleepTask({ priority: 1.5 })]), expect: [400] },
  { name: 'priority as a string', body: enqueueBody([sleepTask({ priority: '5' })]), expect: [400] },
  {
    name: '"5x" Sleep duration',
    body: enqueueBody([{ taskType: 'Sleep', payload: { duration: '5x' } }]),
    expect: [400],
  },
  { name: '"5x" delay', body: enqueueBody([sleepTask({ delay: '5x' })]), expect: [400] },
  { name: '"5x" timeout', body: enqueueBody([sleepTask({ timeout: '5x' })]), expect: [400] },
  { name: '"5x" backOffDuration', body: enqueueBody([sleepTask({ backOffDuration: '5x' })]), expect: [400] },
  {
    name: 'fractional Sleep duration',
    body: enqueueBody([{ taskType: 'Sleep', payload: { duration: 2.5 } }]),
    expect: [400],
  },
  {
    name: 'negative Sleep duration',
    body: enqueueBody([{ taskType: 'Sleep', payload: { duration: -1 } }]),
    expect: [400],
  },
  { name: 'unknown task type', body: enqueueBody([{ taskType: 'Nope' }]), expect: [400] },
  { name: 'unicode task type', body: enqueueBody([{ taskType: 'Slëep' }]), expect: [400] },
  { name: 'unicode queue name', body: enqueueBody([sleepTask({ queue: 'очередь' })]), expect: [400] },
  {
    name: 'lone surrogate in a key',
    body: '{"tasks":[{"taskType":"Sleep","payload":{"duration":1},"key":"\\ud800"}]}',
    expect: [400],
  },
  { name: 'unknown field', body: enqueueBody([sleepTask({ colour: 'red' })]), expect: [400] },
  { name: 'unknown id', method: 'GET', path: '/task/00000000-0000-7000-8000-000000000000', expect: [404] },
  { name: 'malformed id', method: 'GET', path: '/task/not-a-uuid', expect: [400, 404] },
  { name: 'unicode id', method: 'GET', path: `/task/${encodeURIComponent('ключ🔑')}`, expect: [400, 404] },
  {
    name: 'retry of an unknown id',
    method: 'POST',
    path: '/task/00000000-0000-7000-8000-000000000000/retry',
    expect: [404],
  },
  {
    name: 'cancel of an unknown id',
    method: 'POST',
    path: '/task/00000000-0000-7000-8000-000000000000/cancel',
    expect: [404],
  },
  { name: 'unknown queue', method: 'GET', path: '/queues/nope%00/tasks', expect: [400, 404] },
  { name: 'unknown route', method: 'GET', path: '/nope', expect: [404] },
];

describe('bad input over HTTP', () => {
  let db: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await ServiceProcess.start({ name: 'api', databaseUrl: db.url });
  });

  afterAll(async () => {
    await service?.destroy();
    await db.drop();
  });

  async function snapshot(): Promise<unknown[]> {
    const { rows } = await db.pool.query(
      `select t.*, (select json_agg(e order by e.id) from task_events e where e.task_id = t.id) as events
       from tasks t order by id`,
    );
    return rows;
  }

  it('answers each with a clear 4xx JSON error, stays up, keeps memory bounded, and leaves accepted tasks untouched', async (context) => {
    context.onTestFailed(() => console.log(service.tail(20)));
    // Accepted before the barrage: finished ones, and waiting ones (an hour's delay).
    const done = await service.enqueue(
      Array.from({ length: 20 }, (_, index) => sleepTask({ key: `done-${index}` })),
    );
    await service.enqueue(
      Array.from({ length: 5 }, (_, index) => sleepTask({ key: `later-${index}`, delay: '1h' })),
    );
    await waitForFinished(db.pool, { count: done.submitted, timeoutMs: 10_000 });
    const before = await snapshot();
    const unicode = await service.enqueue([sleepTask({ key: 'ключ-🔑-鍵-\u{1F600}', delay: '1h' })]);

    const rss = sampleRss(service, 50);
    const baselineMb = service.rssMb();
    const answers: Array<{ name: string; status: number; code: string }> = [];
    const problems: string[] = [];
    for (const bad of CASES) {
      const headers: Record<string, string> = {};
      const contentType = bad.contentType === undefined ? JSON_TYPE : bad.contentType;
      if (contentType !== null) headers['content-type'] = contentType;
      const answer = await service
        .request(bad.path ?? '/tasks/enqueue', { method: bad.method ?? 'POST', headers, body: bad.body })
        .catch((error: Error) => ({ status: 0, body: error.message, headers: new Headers() }));
      const body = answer.body as { error?: { code?: unknown; message?: unknown } };
      const code = typeof body?.error?.code === 'string' ? body.error.code : '';
      answers.push({ name: bad.name, status: answer.status, code });
      const allowed = bad.expect ?? [400, 404, 405, 409, 413, 415, 422];
      if (!allowed.includes(answer.status)) {
        problems.push(
          `${bad.name}: expected ${allowed.join('/')}, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
        );
      } else if (
        !answer.headers.get('content-type')?.startsWith(JSON_TYPE) ||
        !code ||
        typeof body.error?.message !== 'string'
      ) {
        problems.push(
          `${bad.name}: ${answer.status} without a JSON {error: {code, message}} body: ${String(answer.body).slice(0, 200)}`,
        );
      }
      const health = await service.request('/healthz').catch(() => ({ status: 0 }));
      if (health.status !== 200) problems.push(`${bad.name}: /healthz answered ${health.status} afterwards`);
    }
    // The same flood at once: 20 concurrent 4 MB bodies that are not JSON.
    const flood = await Promise.all(
      Array.from({ length: 20 }, () =>
        service
          .request('/tasks/enqueue', {
            method: 'POST',
            headers: { 'content-type': JSON_TYPE },
            body: `{"tasks":[${'9'.repeat(4 * 1024 * 1024)}`,
          })
          .then((answer) => answer.status)
          .catch(() => 0),
      ),
    );
    const memory = rss.stop();
    console.log(
      `[fault-suite] bad input answers:\n  ${answers.map((answer) => `${answer.status} ${answer.code.padEnd(22)} ${answer.name}`).join('\n  ')}`,
    );

    expect(problems).toEqual([]);
    expect(
      flood.filter((status) => status !== 400 && status !== 413),
      'flood answers',
    ).toEqual([]);
    expect(service.alive).toBe(true);
    expect((await service.request('/healthz')).status).toBe(200);
    expect((await service.request('/readyz')).status).toBe(200);
    // Bounded: no request holds more than the body limit (5 MB) and its parse.
    expect(memory.peakMb).toBeLessThan(512);

    const unicodeTask = await service.request(`/task/${unicode.tasks[0]!.id}`);
    expect(unicodeTask.status).toBe(200);
    expect(JSON.stringify(unicodeTask.body)).toContain('ключ-🔑-鍵-\u{1F600}');
    const after = (await snapshot()).filter((row) => (row as { id: string }).id !== unicode.tasks[0]!.id);
    expect(after).toEqual(before);

    recordResult('bad-input', {
      scenario: 'bad input over HTTP',
      result: `${CASES.length} kinds of bad request + 20 concurrent 4 MB non-JSON bodies: each a 4xx JSON error; server up; peak RSS ${Math.round(memory.peakMb)} MB (from ${Math.round(baselineMb)} MB); accepted tasks unchanged; a unicode key round-trips`,
      figures: {
        cases: CASES.length,
        baselineRssMb: Math.round(baselineMb),
        peakRssMb: Math.round(memory.peakMb),
        lastRssMb: Math.round(memory.lastMb),
      },
    });
  });

  it('refuses a deeply nested payload without stalling the event loop', async (context) => {
    context.onTestFailed(() => console.log(service.tail(10)));
    const depth = 25_000;
    const body = `{"tasks":[{"taskType":"Sleep","payload":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
    const sent = Date.now();
    let answered = false;
    const answer = service
      .request('/tasks/enqueue', { method: 'POST', headers: { 'content-type': JSON_TYPE }, body })
      .catch((error: Error) => ({ status: 0, body: `${error.message}: ${String(error.cause)}` }))
      .finally(() => {
        answered = true;
      });
    // /healthz answers while the bad request is checked, or the node misses its heartbeats too.
    const healthLatencies: number[] = [];
    const healthFailures: string[] = [];
    while (!answered && Date.now() - sent < 60_000) {
      const probe = Date.now();
      const health = await service
        .request('/healthz', { signal: AbortSignal.timeout(60_000) })
        .catch((error: Error) => ({ status: 0, body: error.message }));
      healthLatencies.push(Date.now() - probe);
      if (health.status !== 200) healthFailures.push(String(health.body));
      await new Promise((done) => setTimeout(done, 100));
    }
    const { status, body: answerBody } = await answer;
    const answerMs = Date.now() - sent;
    const worstHealthMs = Math.max(0, ...healthLatencies);
    recordResult('bad-input-nesting', {
      scenario: `payload nested ${depth.toLocaleString('en')} levels deep (${Math.round(body.length / 1024)} KB)`,
      result: `answered ${status} after ${answerMs} ms; /healthz waited up to ${worstHealthMs} ms meanwhile (${healthFailures.length} probes failed)`,
      figures: { depth, status, answerMs, worstHealthMs, healthFailures: healthFailures.length },
    });
    expect(status, JSON.stringify(answerBody).slice(0, 300)).toBe(400);
    expect(healthFailures).toEqual([]);
    // storable-text.ts copies the path array at every level: O(depth²) work on the event loop.
    expect(worstHealthMs, 'longest /healthz answer while the nested payload was checked').toBeLessThan(1_000);
  });
});
