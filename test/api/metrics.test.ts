import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskLifecycleEvent } from '../../src/events/task-event.js';
import { type ApiSetup, makeTask, setupApi } from './api-harness.js';

const event = (overrides: Partial<TaskLifecycleEvent>): TaskLifecycleEvent => ({
  kind: 'started',
  taskId: '0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f',
  queue: 'default',
  type: 'Echo',
  priority: 0,
  attempt: 1,
  at: new Date().toISOString(),
  nodeId: 'test',
  ...overrides,
});

describe('GET /metrics', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi();
  });
  afterAll(async () => api?.close());

  it('serves Prometheus text with task counters, run/wait histograms, pool gauges and queue depth', async () => {
    await api.callJson('/tasks/enqueue', { json: { tasks: [makeTask(), makeTask({ queue: 'other' })] } });
    api.engine.events.publish([
      event({ kind: 'started', waitMs: 40 }),
      event({ kind: 'succeeded', durationMs: 120 }),
      event({ kind: 'started', waitMs: 5 }),
      event({ kind: 'dead', durationMs: 3, error: 'boom' }),
    ]);
    const response = await api.call('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/pgtask_tasks_total\{queue="default",type="Echo",outcome="succeeded"\} 1/);
    expect(text).toMatch(/pgtask_tasks_total\{queue="default",type="Echo",outcome="started"\} 2/);
    expect(text).toMatch(/pgtask_task_run_seconds_count\{queue="default",type="Echo"\} 2/);
    expect(text).toMatch(/pgtask_task_wait_seconds_sum\{queue="default",type="Echo"\} 0\.045/);
    expect(text).toMatch(/pgtask_queue_depth\{queue="other",status="queued"\} 1/);
    for (const name of [
      'pgtask_pool_size',
      'pgtask_pool_running',
      'pgtask_pool_utilisation',
      'pgtask_buffer_tasks',
    ]) {
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
    expect(text).toMatch(
      /pgtask_http_requests_total\{method="POST",route="\/tasks\/enqueue",status="202"\} 1/,
    );
  });

  it('caches the queue depth for a few seconds, so scraping stays cheap', async () => {
    const depth = async () => {
      const text = await (await api.call('/metrics')).text();
      return Number(/pgtask_queue_depth\{queue="cached",status="queued"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await depth();
    await api.callJson('/tasks/enqueue', { json: { tasks: [makeTask({ queue: 'cached' })] } });
    expect(await depth()).toBe(before);
  });
});
