import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { type ApiSetup, type Json, setupApi } from '../api/api-harness.js';

const run = promisify(execFile);
const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** The fenced block right after `<!-- test: NAME -->` in the README. */
function readmeBlock(name: string): string {
  const match = new RegExp(`<!-- test: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match) throw new Error(`README has no block marked <!-- test: ${name} -->`);
  return match[1]!;
}

let api: ApiSetup;
beforeAll(async () => {
  // The server gets exactly the README's config snippet.
  api = await setupApi({
    processTasks: true,
    config: parseYaml(readmeBlock('curl-walkthrough-config')) as ConfigInput,
  });
});
afterAll(() => api.close());

describe("the README's curl walkthrough", () => {
  it('runs as written against a real server, and each answer is the one the README shows', async () => {
    const script = readmeBlock('curl-walkthrough');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      env: { ...process.env, BASE: api.baseUrl },
      timeout: 60_000,
    });
    const lines = stdout.trim().split('\n');
    const answers = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Json);
    const [enqueued, claim, heartbeat, completed, failed, late] = answers;
    expect(enqueued).toMatchObject({ requested: 2, submitted: 2 });
    const [first, second] = enqueued.tasks.map((task: Json) => task.id);
    expect(claim.tasks).toEqual([
      expect.objectContaining({
        id: first,
        taskType: 'ResizeImage',
        queue: 'images',
        attempt: 1,
        payload: { url: 'https://img.example/a.png', width: 320 },
        lease: { token: expect.any(String), expiresAt: expect.any(String) },
      }),
    ]);
    expect(Date.parse(heartbeat.expiresAt)).toBeGreaterThan(Date.now());
    expect(completed).toEqual({ id: first, status: 'succeeded', attempt: 1 });
    expect(failed).toMatchObject({ id: second, status: 'retrying', attempt: 1 });
    expect(Date.parse(failed.runAt)).toBeGreaterThan(Date.now() + 20_000);
    expect(late.error.code).toBe('lease_lost');
    expect(lines.at(-1)).toBe('409');
    expect(answers).toHaveLength(6);

    const done = (await api.callJson(`/task/${first}`, { token: 'admin-token-0123456789' })).body;
    expect(done).toMatchObject({ status: 'succeeded', result: { width: 320 } });
    expect(done.history.map((entry: Json) => entry.toStatus)).toEqual(['queued', 'running', 'succeeded']);
    const retrying = (await api.callJson(`/task/${second}`, { token: 'admin-token-0123456789' })).body;
    expect(retrying).toMatchObject({ status: 'retrying', error: 'upstream answered 503' });
  });
});
