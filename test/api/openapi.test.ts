import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, type Json, setupApi } from './api-harness.js';

const ENDPOINTS: Array<[string, string]> = [
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['post', '/tasks/enqueue'],
  ['get', '/task/{id}'],
  ['post', '/task/{id}/retry'],
  ['post', '/task/{id}/cancel'],
  ['get', '/queues'],
  ['get', '/queues/{name}/tasks'],
  ['post', '/queues/{name}/pause'],
  ['post', '/queues/{name}/resume'],
  ['get', '/dead-letter'],
  ['post', '/dead-letter/retry'],
  ['get', '/audit'],
  ['get', '/metrics'],
];

/** Every `$ref` in the document, so each can be checked to resolve. */
function collectRefs(value: unknown, refs: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, refs);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') refs.push(child);
      else collectRefs(child, refs);
    }
  }
  return refs;
}

function resolve(doc: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: Json, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

describe('OpenAPI document', () => {
  let api: ApiSetup;
  let doc: Json;
  beforeAll(async () => {
    api = await setupApi();
    const response = await api.call('/openapi.json');
    expect(response.status).toBe(200);
    doc = await response.json();
  });
  afterAll(async () => api?.close());

  it('is OpenAPI 3.x with info and paths', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(typeof doc.paths).toBe('object');
  });

  it('declares every endpoint with responses, path parameters and a JSON error schema', () => {
    for (const [method, path] of ENDPOINTS) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      const statuses = Object.keys(operation.responses);
      expect(statuses.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of Object.entries<Json>(operation.responses)) {
        expect(response.description, `${method} ${path} ${status}`).toEqual(expect.any(String));
      }
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        const parameter = operation.parameters?.find((p: Json) => p.in === 'path' && `{${p.name}}` === name);
        expect(parameter, `${method} ${path} ${name}`).toMatchObject({ required: true });
      }
    }
    const enqueue = doc.paths['/tasks/enqueue'].post;
    expect(Object.keys(enqueue.responses)).toEqual(
      expect.arrayContaining(['202', '400', '413', '415', '429']),
    );
    expect(enqueue.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(doc.paths['/task/{id}/retry'].post.responses)).toEqual(
      expect.arrayContaining(['200', '404', '409']),
    );
  });

  it('resolves every $ref and describes the enqueue task with its limits', () => {
    for (const ref of collectRefs(doc)) expect(resolve(doc, ref), ref).toBeDefined();
    const item = doc.components.schemas.EnqueueTask;
    expect(item.required).toEqual(['taskType']);
    expect(item.properties.priority).toMatchObject({ type: 'integer', minimum: -1000, maximum: 1000 });
    const request = doc.components.schemas.EnqueueRequest;
    expect(request.properties.tasks).toMatchObject({ type: 'array', minItems: 1, maxItems: 10_000 });
    expect(doc.components.schemas.Error.properties.error.required).toEqual(
      expect.arrayContaining(['code', 'message']),
    );
  });

  it('has only the operation fields OpenAPI 3.0 allows', () => {
    const allowed = new Set([
      'tags',
      'summary',
      'description',
      'externalDocs',
      'operationId',
      'parameters',
      'requestBody',
      'responses',
      'callbacks',
      'deprecated',
      'security',
      'servers',
    ]);
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const [method, operation] of Object.entries<Json>(item)) {
        expect(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']).toContain(method);
        for (const key of Object.keys(operation))
          expect(allowed.has(key), `${method} ${path}: ${key}`).toBe(true);
      }
    }
  });

  it('serves human docs at /docs', async () => {
    const response = await api.call('/docs');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('swagger');
    expect(html).toContain('/openapi.json');
  });
});
