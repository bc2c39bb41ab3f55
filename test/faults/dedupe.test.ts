import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { recordResult } from './support/results.js';
import { type EnqueueAnswer, type ServiceProcess, startInstances } from './support/service.js';

const ROUNDS = 100;
const KEYS_PER_ROUND = 10;

describe('two instances enqueue the same dedupe keys at the same moment', () => {
  let db: TestDatabase;
  let instances: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    instances = await startInstances(['A', 'B'], { databaseUrl: db.url });
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.destroy()));
    await db.drop();
  });

  /** Same keys in both requests; `reversed` sends them to B in the opposite order. */
  async function race(round: string, reversed: boolean) {
    const keys = Array.from({ length: KEYS_PER_ROUND }, (_, index) => `${round}-k${index}`);
    // A delay keeps the tasks waiting, so the key stays taken for the whole test.
    const tasks = (order: string[]) =>
      order.map((key) => ({ taskType: 'Sleep', payload: { duration: 1 }, key, delay: '1h' }));
    const [a, b] = instances;
    const answers = await Promise.all([
      a!.request('/tasks/enqueue', post(tasks(keys))),
      b!.request('/tasks/enqueue', post(tasks(reversed ? [...keys].reverse() : keys))),
    ]);
    return answers;
  }

  it(`${ROUNDS} rounds of ${KEYS_PER_ROUND} keys in the same order: exactly one task per key, one acceptance per key`, async () => {
    const statuses = new Map<number, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await race(`same-${round}`, false);
      for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
      const submitted = answers.reduce((sum, answer) => sum + (answer.body as EnqueueAnswer).submitted, 0);
      expect(submitted, `round ${round}: tasks accepted over both answers`).toBe(KEYS_PER_ROUND);
    }
    const { rows } = await db.pool.query<{ key: string; n: number }>(
      `select dedupe_key as key, count(*)::int as n from tasks where dedupe_key like 'same-%' group by dedupe_key`,
    );
    expect(rows).toHaveLength(ROUNDS * KEYS_PER_ROUND);
    expect(rows.filter((row) => row.n !== 1)).toEqual([]);
    recordResult('dedupe-same-order', {
      scenario: 'two instances enqueue the same dedupe keys at once',
      result: `${ROUNDS} rounds × ${KEYS_PER_ROUND} keys: exactly one task per key, each key accepted by exactly one answer`,
      figures: { rounds: ROUNDS, keysPerRound: KEYS_PER_ROUND },
    });
  });

  it(`${ROUNDS} rounds with the keys in opposite orders: no request fails, exactly one task per key`, async (context) => {
    context.onTestFailed(() => {
      for (const instance of instances) console.log(instance.tail(10));
    });
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await race(`reversed-${round}`, true);
      for (const answer of answers) {
        if (answer.status !== 202)
          failures.push(`round ${round}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
    const { rows } = await db.pool.query<{ key: string; n: number }>(
      `select dedupe_key as key, count(*)::int as n from tasks where dedupe_key like 'reversed-%' group by dedupe_key`,
    );
    expect(
      rows.filter((row) => row.n !== 1),
      'keys with more than one task',
    ).toEqual([]);
    recordResult('dedupe-opposite-order', {
      scenario: 'two instances enqueue overlapping keys in opposite orders at once',
      result: `${failures.length} of ${ROUNDS * 2} requests failed; ${rows.length} of ${ROUNDS * KEYS_PER_ROUND} keys stored, each once`,
      figures: { failedRequests: failures.length, keysStored: rows.length },
    });
    // Two INSERTs that take the same unique keys in opposite orders wait on each other: a
    // deadlock that PostgreSQL breaks by failing one of them.
    expect(failures, 'enqueue requests that failed').toEqual([]);
    expect(rows).toHaveLength(ROUNDS * KEYS_PER_ROUND);
  });
});

function post(tasks: object[]): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks }) };
}
