import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHandler } from '../../src/tasks/task-handler.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';
import {
  openStream,
  type Service,
  serviceHandlers,
  startService,
  streamedEvents,
} from './service-harness.js';

describe('progress over HTTP, across instances', () => {
  let setup: EngineSetup;
  let apiOnly: Service;
  let worker: Service;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handlers = [
    ...serviceHandlers(),
    defineHandler({
      type: 'Export',
      payloadSchema: z.object({ pages: z.number() }),
      async run(payload, ctx) {
        ctx.progress(0.5, `page ${payload.pages / 2} of ${payload.pages}`);
        await gate;
        return { pages: payload.pages };
      },
    }),
  ];

  beforeAll(async () => {
    setup = await setupEngines();
    apiOnly = await startService(setup, { processTasks: false, handlers });
    worker = await startService(setup, { handlers });
  });
  afterAll(async () => {
    release();
    await apiOnly?.close();
    await worker?.close();
    await setup?.teardown();
  });

  it("shows a running task's progress in GET /task/{id} and on another instance's /events", async () => {
    const stream = await openStream(apiOnly.baseUrl);
    try {
      await stream.waitFor((frames) => frames.length >= 1);
      const response = await fetch(`${apiOnly.baseUrl}/tasks/enqueue`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ tasks: [{ taskType: 'Export', payload: { pages: 10 } }] }),
      });
      expect(response.status).toBe(202);
      const id = ((await response.json()) as { tasks: Array<{ id: string }> }).tasks[0]!.id;
      await stream.waitFor((frames) =>
        streamedEvents(frames).some((event) => event.taskId === id && event.kind === 'progress'),
      );
      const event = streamedEvents(stream.frames).find((e) => e.taskId === id && e.kind === 'progress');
      expect(event).toMatchObject({
        nodeId: worker.engine.nodeId,
        type: 'Export',
        attempt: 1,
        progress: 0.5,
        progressMessage: 'page 5 of 10',
      });
      const task = await (await fetch(`${apiOnly.baseUrl}/task/${id}`)).json();
      expect(task).toMatchObject({ status: 'running', progress: { fraction: 0.5, message: 'page 5 of 10' } });
      expect(Date.parse(task.progress.at)).not.toBeNaN();
      release();
      await stream.waitFor((frames) =>
        streamedEvents(frames).some((e) => e.taskId === id && e.kind === 'succeeded'),
      );
    } finally {
      stream.close();
    }
  });
});
