import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDocumentServer } from '../../scripts/openapi-document.js';

const run = promisify(execFile);

describe('the served OpenAPI document', () => {
  let server: Awaited<ReturnType<typeof startDocumentServer>>;
  let folder: string;
  beforeAll(async () => {
    server = await startDocumentServer();
    folder = await mkdtemp(join(tmpdir(), 'pgtask-openapi-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("passes Redocly's recommended rules with no errors", async () => {
    const file = join(folder, 'openapi.json');
    await writeFile(file, await (await fetch(`${server.baseUrl}/openapi.json`)).text());
    const result = await run(
      'node_modules/.bin/redocly',
      ['lint', file, '--config', 'redocly.yaml', '--format', 'json'],
      { maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { stdout?: string; code?: number }) => ({
      stdout: error.stdout ?? '',
      code: error.code,
    }));
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    const errors = report.problems.filter((problem: { severity: string }) => problem.severity === 'error');
    expect(
      errors.map((problem: { ruleId: string; message: string }) => `${problem.ruleId}: ${problem.message}`),
    ).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('gives every operation an operationId and bearer security, except the open probes', async () => {
    const doc = await (await fetch(`${server.baseUrl}/openapi.json`)).json();
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.security).toEqual([{ bearer: [] }]);
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries<
      Record<string, { operationId?: string; security?: unknown }>
    >(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
        ids.add(operation.operationId!);
        if (path === '/healthz' || path === '/readyz') expect(operation.security).toEqual([]);
        else expect(operation.security).toBeUndefined();
      }
    }
    expect(ids.size).toBe(Object.values(doc.paths).flatMap((ops) => Object.keys(ops as object)).length);
  });
});
