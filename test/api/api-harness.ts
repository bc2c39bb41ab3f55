import { z } from 'zod';
import { type App, createApp } from '../../src/api/app.js';
import { type HttpServer, startHttpServer } from '../../src/api/http-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createPool } from '../../src/db/database.js';
import type { Readiness } from '../../src/db/migrate.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createBuiltInRegistry } from '../../src/tasks/built-in.js';
import type { TaskRegistry } from '../../src/tasks/registry.js';
import { defineHandler, PermanentError, type TaskHandler } from '../../src/tasks/task-handler.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Test-only types beside the built-ins: one that echoes, one that fails for good. */
export function createTestRegistry(): TaskRegistry {
  const registry = createBuiltInRegistry();
  registry.register(
    defineHandler({
      type: 'Echo',
      payloadSchema: z.object({ message: z.string().optional(), n: z.number().optional() }).passthrough(),
      run: (payload) => payload,
    }),
  );
  registry.register(
    defineHandler({
      type: 'AlwaysFails',
      payloadSchema: z.object({}).passthrough(),
      run: () => {
        throw new PermanentError('fails on purpose');
      },
    }),
  );
  return registry;
}

export interface ApiSetup {
  db: TestDatabase;
  engine: Engine;
  app: App;
  http: HttpServer;
  baseUrl: string;
  /** fetch against the server; `json` sets the body and the JSON content type. */
  call(path: string, init?: RequestInit & { json?: unknown; token?: string }): Promise<Response>;
  /** call + parse the JSON body. */
  callJson<T = Json>(
    path: string,
    init?: RequestInit & { json?: unknown; token?: string },
  ): Promise<{ status: number; body: T; headers: Headers }>;
  /** POST /tasks/enqueue, which must answer 202: the new tasks' ids, in order. */
  enqueueIds(tasks: Json[], token?: string): Promise<string[]>;
  /** GET /task/{id}: the task's detail, with its history. */
  taskDetail(id: string, token?: string): Promise<Json>;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely in tests
export type Json = any;

export type TokenScope = 'admin' | 'worker' | 'read';

/** The bearer token setupApi's `tokens` gives `name`. */
export const tokenOf = (name: string): string => `${name}-token-0123456789abcdef`;

export interface ApiOptions {
  config?: ConfigInput;
  /** Bearer tokens by name (the audit log's actor), each with its scope; the token is tokenOf(name). */
  tokens?: Record<string, TokenScope>;
  /**
   * For remote-worker tests: leases of this many ms kept by 100 ms heartbeats, and the node's
   * 200 ms polls, so the node's lease round rescues what a vanished worker held within a second.
   */
  leaseMs?: number;
  processTasks?: boolean;
  checkReadiness?: () => Promise<Readiness>;
  log?: Logger;
  scheduler?: EngineOptions['scheduler'];
  /** The engine's clock (test/support/manual-clock.ts), instead of the system's. */
  clock?: EngineOptions['clock'];
  /** Types registered beside the test registry's. */
  handlers?: TaskHandler[];
}

function configOf({ config = {}, tokens, leaseMs }: ApiOptions): ConfigInput {
  const authTokens = Object.entries(tokens ?? {}).map(([name, scope]) => ({
    name,
    token: tokenOf(name),
    scope,
  }));
  return {
    ...config,
    ...(tokens
      ? { api: { ...config.api, authTokens: [...(config.api?.authTokens ?? []), ...authTokens] } }
      : {}),
    ...(leaseMs !== undefined
      ? {
          lease: { ...config.lease, heartbeatInterval: 100, timeout: leaseMs },
          queue: { ...config.queue, pollInterval: 200 },
        }
      : {}),
  };
}

/**
 * One test file's bundle: a fresh database, an engine (not running tasks unless asked), the app
 * on a real server at a random port.
 */
export async function setupApi(options: ApiOptions = {}): Promise<ApiSetup> {
  const db = await createTestDatabase();
  const config = parseConfig(configOf(options));
  const log = options.log ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
  const pool = createPool({ url: db.url, config, log, max: 5 });
  const registry = createTestRegistry();
  for (const handler of options.handlers ?? []) registry.register(handler);
  const engine = await Engine.start({
    config,
    pool,
    databaseUrl: db.url,
    log,
    registry,
    processTasks: options.processTasks ?? false,
    scheduler: options.scheduler,
    clock: options.clock,
  });
  const app = createApp({
    engine,
    config,
    log,
    ...(options.checkReadiness ? { checkReadiness: options.checkReadiness } : {}),
  });
  const http = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${http.port}`;

  const call: ApiSetup['call'] = (path, init = {}) => {
    const { json, token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set('content-type', 'application/json');
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${baseUrl}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined ? { method: rest.method ?? 'POST', body: JSON.stringify(json) } : {}),
    });
  };
  const callJson: ApiSetup['callJson'] = async (path, init) => {
    const response = await call(path, init);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  return {
    db,
    engine,
    app,
    http,
    baseUrl,
    call,
    callJson,
    async enqueueIds(tasks, token) {
      const { status, body } = await callJson('/tasks/enqueue', { token, json: { tasks } });
      if (status !== 202) throw new Error(`enqueue answered ${status}: ${JSON.stringify(body)}`);
      return body.tasks.map((task: Json) => task.id);
    },
    async taskDetail(id, token) {
      return (await callJson(`/task/${id}`, { token })).body;
    },
    async close() {
      await http.close();
      await engine.stop().catch(() => {});
      await pool.end().catch(() => {});
      await db.drop();
    },
  };
}

/** An enqueue item with overrides, so tests do not copy literals. */
export function makeTask(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { taskType: 'Echo', payload: { message: 'hello' }, ...overrides };
}

/** Every error body has exactly this shape, and never a stack trace. */
export function expectErrorShape(body: Json, code: string): void {
  if (!body || typeof body !== 'object' || !body.error)
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  const { error } = body;
  if (error.code !== code) throw new Error(`expected code ${code}, got ${JSON.stringify(error)}`);
  if (typeof error.message !== 'string' || error.message.length === 0)
    throw new Error('error without a message');
  if (JSON.stringify(body).match(/\bat .+\.(ts|js):\d+/))
    throw new Error(`a stack trace leaked: ${JSON.stringify(body)}`);
  const keys = Object.keys(error).sort();
  if (!keys.every((key) => ['code', 'details', 'message'].includes(key)))
    throw new Error(`extra keys: ${keys}`);
}
