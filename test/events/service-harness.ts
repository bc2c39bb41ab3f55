import { afterAll, beforeAll, expect } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../src/api/app.js';
import { type HttpServer, startHttpServer } from '../../src/api/http-server.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Engine } from '../../src/engine/engine.js';
import { createBuiltInRegistry } from '../../src/tasks/built-in.js';
import { defineHandler, PermanentError, type TaskHandler } from '../../src/tasks/task-handler.js';
import { type EngineSetup, setupEngines, testConfig, testLog } from '../support/engine.js';

/** The built-in types plus two for tests: Echo returns its payload, AlwaysFails dies at once. */
export function serviceHandlers(): TaskHandler[] {
  return [
    ...createBuiltInRegistry().handlers(),
    defineHandler({
      type: 'Echo',
      description: 'Returns its payload',
      payloadSchema: z.object({
        message: z.string().min(1),
        times: z.number().int().min(1).max(10).optional(),
      }),
      run: (payload) => ({ echoed: payload.message }),
    }),
    defineHandler({
      type: 'AlwaysFails',
      payloadSchema: z.object({ reason: z.string().optional() }),
      run: (payload) => {
        throw new PermanentError(payload.reason ?? 'fails on purpose');
      },
    }),
  ];
}

export interface Service {
  engine: Engine;
  http: HttpServer;
  baseUrl: string;
  close(): Promise<void>;
}

/** An engine of `setup` served over HTTP on a random port, as main.ts serves it. */
export async function startService(
  setup: EngineSetup,
  options: { config?: ConfigInput; processTasks?: boolean; handlers?: TaskHandler[] } = {},
): Promise<Service> {
  const engine = await setup.startEngine({
    // startEngine's options intersect ConfigInput with EngineOptions' parsed Config; it parses the input.
    config: options.config as never,
    handlers: options.handlers ?? serviceHandlers(),
    processTasks: options.processTasks,
  });
  const app = createApp({ engine, config: testConfig(options.config), log: testLog });
  const http = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  return {
    engine,
    http,
    baseUrl: `http://127.0.0.1:${http.port}`,
    async close() {
      // Streams stay open until their clients leave; cut them so close() does not wait.
      http.server.closeAllConnections();
      await http.close();
    },
  };
}

/**
 * One engine served over HTTP for the enclosing describe block, on a database of its own: started
 * before the block's tests, closed after them. Read its fields inside the tests.
 */
export function serveForSuite(options: Parameters<typeof startService>[1] = {}): {
  readonly baseUrl: string;
  readonly engine: Engine;
  readonly setup: EngineSetup;
} {
  let setup: EngineSetup | undefined;
  let service: Service | undefined;
  beforeAll(async () => {
    setup = await setupEngines();
    service = await startService(setup, options);
  });
  afterAll(async () => {
    await service?.close();
    await setup?.teardown();
  });
  const started = () => {
    if (!service || !setup) throw new Error('serveForSuite: read it inside a test, once beforeAll ran');
    return { service, setup };
  };
  return {
    get baseUrl() {
      return started().service.baseUrl;
    },
    get engine() {
      return started().service.engine;
    },
    get setup() {
      return started().setup;
    },
  };
}

/** POST /tasks/enqueue, answered 202: the new tasks, in order. */
export async function enqueueOverHttp(
  baseUrl: string,
  tasks: unknown[],
  token?: string,
): Promise<Array<{ id: string; status: string }>> {
  const response = await fetch(`${baseUrl}/tasks/enqueue`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ tasks }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { tasks: Array<{ id: string; status: string }> }).tasks;
}

export interface SseFrame {
  event: string;
  id?: string;
  // biome-ignore lint/suspicious/noExplicitAny: frames are inspected freely in tests
  data: any;
  receivedAt: number;
}

/** Reads GET /events like a client: every frame in order, until `close()`. */
export async function openStream(
  baseUrl: string,
  options: { token?: string; query?: string } = {},
): Promise<{
  frames: SseFrame[];
  response: Response;
  waitFor(test: (frames: SseFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/events${options.query ?? ''}`, {
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    signal: controller.signal,
  });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  if (response.ok && response.body) {
    (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            const frame: SseFrame = { event: 'message', data: undefined, receivedAt: Date.now() };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) frame.event = line.slice(6).trim();
              else if (line.startsWith('id:')) frame.id = line.slice(3).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length > 0) frame.data = JSON.parse(data.join('\n'));
            frames.push(frame);
            for (const wake of waiters) wake();
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    frames,
    response,
    async waitFor(test, timeoutMs = 10_000) {
      if (test(frames)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stream condition not met in ${timeoutMs} ms; ${frames.length} frames`));
        }, timeoutMs);
        const check = () => {
          if (!test(frames)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close: () => controller.abort(),
  };
}

/** Every event of the `tasks` frames received so far. */
export function streamedEvents(frames: SseFrame[]) {
  return frames
    .filter((frame) => frame.event === 'tasks')
    .flatMap(
      (frame) => frame.data.events as Array<{ kind: string; taskId: string; nodeId: string; queue: string }>,
    );
}
