import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../../src/ui/json-schema.js';
import { type Service, startService } from '../events/service-harness.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';

describe('the dashboard routes', () => {
  let setup: EngineSetup;
  let service: Service;

  beforeAll(async () => {
    setup = await setupEngines();
    service = await startService(setup, { processTasks: false });
  });
  afterAll(async () => {
    await service?.close();
    await setup?.teardown();
  });

  it('serves the page at / and its modules under /ui/ with a strict content security policy', async () => {
    const page = await fetch(`${service.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/ui/app.js">');

    const script = await fetch(`${service.baseUrl}/ui/views/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const style = await fetch(`${service.baseUrl}/ui/styles.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for anything that is not one of its files', async () => {
    for (const path of ['/ui/missing.js', '/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/']) {
      const response = await fetch(`${service.baseUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect((await response.json()).error.code).toBe('not_found');
    }
  });

  it('lists every task type with the JSON Schema of its payload, which accepts and rejects as the API does', async () => {
    const response = await fetch(`${service.baseUrl}/task-types`);
    expect(response.status).toBe(200);
    const { types } = await response.json();
    const names = types.map((type: { type: string }) => type.type);
    expect(names).toEqual(expect.arrayContaining(['Echo', 'SendEmail', 'Sleep', 'Fibonacci']));
    const sleep = types.find((type: { type: string }) => type.type === 'Sleep');
    expect(sleep.payloadSchema).toMatchObject({ type: 'object', required: ['duration'] });

    // The same payloads, judged by the schema in the page and by the API.
    const cases = [{ duration: 10 }, { duration: -1 }, { duration: 'soon' }, {}, { duration: 5, extra: 1 }];
    for (const payload of cases) {
      const inPage = validate(sleep.payloadSchema, payload).length === 0;
      const api = await fetch(`${service.baseUrl}/tasks/enqueue`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ tasks: [{ taskType: 'Sleep', payload }] }),
      });
      expect(inPage, JSON.stringify(payload)).toBe(api.status === 202);
    }
  });

  it('documents /events and /task-types in the OpenAPI document', async () => {
    const doc = await (await fetch(`${service.baseUrl}/openapi.json`)).json();
    expect(doc.paths['/events'].get.responses['200'].content).toHaveProperty(['text/event-stream']);
    expect(doc.paths['/task-types'].get.responses['200']).toBeDefined();
  });
});
