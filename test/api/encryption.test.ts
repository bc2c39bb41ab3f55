import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAppError } from '../../src/api/errors.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { DecryptionError, PayloadCipher } from '../../src/db/payload-cipher.js';
import { rotateKeys } from '../../src/db/rotate-keys.js';
import { TaskStore } from '../../src/db/task-store.js';
import { TaskEvents } from '../support/task-events.js';
import { type ApiSetup, type Json, setupApi } from './api-harness.js';

const OLD = { id: 'k-2025', key: randomBytes(32).toString('base64') };
const NEW = { id: 'k-2026', key: randomBytes(32).toString('hex') };
const SECRET = 'hunter2-do-not-store';

describe('encrypted payloads and results (security.encryptionKeys)', () => {
  let api: ApiSetup;
  let id: string;

  beforeAll(async () => {
    api = await setupApi({ config: { security: { encryptionKeys: [OLD] } }, processTasks: true });
    const events = TaskEvents.watch(api.engine);
    const answer = await api.callJson('/tasks/enqueue', {
      method: 'POST',
      json: { tasks: [{ taskType: 'Echo', payload: { message: SECRET, n: 7 } }] },
    });
    expect(answer.status).toBe(202);
    id = answer.body.tasks[0].id;
    expect(await events.finished(id)).toMatchObject({ kind: 'succeeded' });
    events.stop();
  });

  afterAll(async () => {
    await api.close();
  });

  it('stores only ciphertext, and the handler and the API see plaintext', async () => {
    const { rows } = await api.db.pool.query(
      `select payload::text as payload, result::text as result from tasks`,
    );
    expect(rows).toHaveLength(1);
    for (const column of [rows[0].payload, rows[0].result]) {
      expect(column).not.toContain(SECRET);
      expect(column).not.toContain('message');
      expect(JSON.parse(column)).toMatchObject({ $encrypted: 'aes-256-gcm', k: 'k-2025' });
    }
    const { body } = await api.callJson<Json>(`/task/${id}`);
    expect(body.payload).toEqual({ message: SECRET, n: 7 });
    // Echo returns its payload: the handler was given the plaintext, and its result is read back decrypted.
    expect(body.result).toEqual({ message: SECRET, n: 7 });
  });

  it('says clearly that payload search does not work on encrypted payloads', async () => {
    const filter = encodeURIComponent(JSON.stringify({ message: SECRET }));
    const { status, body } = await api.callJson(`/queues/default/tasks?payload=${filter}`);
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/payload search does not work on encrypted payloads/);
  });

  it('a missing or wrong key is a clear error, never garbage', async () => {
    const withoutKeys = new TaskStore(api.db.pool);
    await expect(withoutKeys.getTask(id)).rejects.toThrow(
      /payload of task .* is encrypted \(key "k-2025"\), but security.encryptionKeys is not set/,
    );
    const otherKey = new TaskStore(api.db.pool, PayloadCipher.from([NEW]));
    await expect(otherKey.getTask(id)).rejects.toThrow(/encrypted with key "k-2025", which is not in/);
    const wrongBytes = new TaskStore(api.db.pool, PayloadCipher.from([{ id: OLD.id, key: NEW.key }]));
    const error = await wrongBytes.getTask(id).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DecryptionError);
    expect((error as Error).message).toMatch(/cannot be decrypted with key "k-2025": the key is wrong/);
    // Over HTTP that is a 500 that names the problem, not a payload of random bytes.
    const answer = toAppError(error);
    expect([answer.code, answer.status]).toEqual(['decryption_failed', 500]);
  });

  it('rotate-keys re-encrypts every payload and result (plaintext ones too) with the first key', async () => {
    // A task stored before encryption was turned on.
    await api.db.pool.query(
      `insert into tasks (id, queue, type, status, payload, result, max_attempts, backoff_ms)
       values (gen_random_uuid(), 'default', 'Echo', 'succeeded', '{"message": "plain old"}', '{"ok": 1}', 1, 1)`,
    );
    const rotating = PayloadCipher.from([NEW, OLD])!;
    const batches: number[] = [];
    const done = await rotateKeys(api.db.pool, rotating, {
      batchSize: 1,
      onBatch: (p) => batches.push(p.rows),
    });
    expect(done).toMatchObject({ payloads: 2, results: 2, batches: 2 });
    expect(batches).toEqual([1, 2]);
    const { rows } = await api.db.pool.query(
      `select payload::text as payload, result::text as result from tasks`,
    );
    for (const row of rows) {
      expect(row.payload).not.toMatch(/hunter2|plain old/);
      expect(JSON.parse(row.payload).k).toBe('k-2026');
      expect(JSON.parse(row.result).k).toBe('k-2026');
    }
    // The old key can go: the new one alone reads everything.
    const newOnly = new TaskStore(api.db.pool, PayloadCipher.from([NEW]));
    const page = await newOnly.listTasks({ limit: 10 });
    expect(page.tasks.map((task) => task.payload).sort()).toEqual(
      [{ message: 'plain old' }, { message: SECRET, n: 7 }].sort(),
    );
    // A second run finds nothing left to do.
    expect(await rotateKeys(api.db.pool, rotating, { batchSize: 100 })).toMatchObject({ rows: 0 });
  });

  it('refuses keys that are not 32 bytes and ids listed twice, naming the field', () => {
    expect(() => parseConfig({ security: { encryptionKeys: [{ id: 'a', key: 'short' }] } })).toThrow(
      ConfigError,
    );
    expect(() => parseConfig({ security: { encryptionKeys: [{ id: 'a', key: 'short' }] } })).toThrow(
      /security.encryptionKeys.0.key.*32 bytes/,
    );
    expect(() => parseConfig({ security: { encryptionKeys: [OLD, OLD] } })).toThrow(/listed twice/);
  });
});

describe('manual retry of a task whose dedupe key is taken again', () => {
  it('answers 409, not 500, while another task with the key is pending', async () => {
    const api = await setupApi();
    try {
      const first = await api.callJson('/tasks/enqueue', {
        method: 'POST',
        json: { tasks: [{ taskType: 'Echo', payload: {}, key: 'same' }] },
      });
      await api.db.pool.query(`update tasks set status = 'dead' where id = $1`, [first.body.tasks[0].id]);
      const second = await api.callJson('/tasks/enqueue', {
        method: 'POST',
        json: { tasks: [{ taskType: 'Echo', payload: {}, key: 'same' }] },
      });
      expect(second.body.tasks).toHaveLength(1);
      const retry = await api.callJson(`/task/${first.body.tasks[0].id}/retry`, { method: 'POST' });
      expect(retry.status).toBe(409);
      expect(retry.body.error.message).toMatch(/another task with its dedupe key/);
    } finally {
      await api.close();
    }
  });
});
