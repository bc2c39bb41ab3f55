import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { createApp } from '../../../src/api/app.js';
import { compatHandlers } from '../../../src/api/compat/compat-routes.js';
import { attachCompatWebSocket, type CompatWebSocket } from '../../../src/api/compat/parallel-events.js';
import { type HttpServer, startHttpServer } from '../../../src/api/http-server.js';
import { parseConfig } from '../../../src/config/load-config.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { createPool } from '../../../src/db/database.js';
import { Engine } from '../../../src/engine/engine.js';
import { createLogger } from '../../../src/logger.js';
import { builtInHandlers } from '../../../src/tasks/built-in.js';
import { TaskRegistry } from '../../../src/tasks/registry.js';
import { type SleepPayload, sleepTask } from '../../../src/tasks/sleep.js';
import type { TaskContext } from '../../../src/tasks/task-handler.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { deferred } from '../../support/deferred.js';

const run = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely in tests
export type Json = any;

/** The queues config.yaml ships for the Elixir job runner. */
export const SEED_QUEUES: NonNullable<ConfigInput['queue']>['queues'] = [
  { id: 'default', workers: 0 },
  { id: 'fibonacci', handler: 'Fibonacci', workers: 3, interval: '1s' },
  { id: 'sleeper', handler: 'Sleep', workers: 3, interval: '1s' },
];

export interface CompatSetup {
  db: TestDatabase;
  engine: Engine;
  http: HttpServer;
  ws: CompatWebSocket;
  baseUrl: string;
  /** fetch + parse; `json` sets the body (POST) and the JSON content type. */
  call(
    path: string,
    init?: RequestInit & { json?: unknown },
  ): Promise<{ status: number; body: Json; headers: Headers }>;
  /** Runs a seed README command through bash as a user pastes it, with localhost:PORT swapped for ours. */
  curl(command: string, seedOrigin: string): Promise<{ status: number; body: Json }>;
  /** Holds the Sleeps that start while held (see SleepGate). */
  sleeps: SleepGate;
  /** Polls `read` until `done` holds for its value. */
  waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/**
 * One test file's bundle: a fresh database, an engine running the built-in types with the
 * shipped seed queues, the real app and the compat WebSocket on a random port.
 */
export async function setupCompat(
  options: { config?: ConfigInput; holdSleeps?: boolean } = {},
): Promise<CompatSetup> {
  const db = await createTestDatabase();
  const sleeps = new SleepGate();
  if (options.holdSleeps) sleeps.hold();
  const overrides = options.config ?? {};
  const config = parseConfig({
    ...overrides,
    queue: {
      pollInterval: 100,
      workerPoolSize: 5,
      maxBufferSize: 1000,
      queues: SEED_QUEUES,
      ...overrides.queue,
    },
    lease: { heartbeatInterval: 200, timeout: 2000 },
    shutdown: { timeout: 300, ...overrides.shutdown },
  });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
  const pool = createPool({ url: db.url, config, log, max: 5 });
  const engine = await Engine.start({
    config,
    pool,
    databaseUrl: db.url,
    log,
    registry: withCompatTypes(registryWithGatedSleeps(sleeps)),
  });
  const app = createApp({ engine, config, log });
  const http = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  const ws = attachCompatWebSocket(http.server, engine, { authTokens: config.api.authTokens, log });
  const baseUrl = `http://127.0.0.1:${http.port}`;

  return {
    db,
    engine,
    http,
    ws,
    baseUrl,
    sleeps,
    async call(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      const response = await fetch(`${baseUrl}${path}`, {
        ...rest,
        headers,
        ...(json !== undefined ? { method: rest.method ?? 'POST', body: JSON.stringify(json) } : {}),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
        headers: response.headers,
      };
    },
    async curl(command, seedOrigin) {
      const swapped = command.replaceAll(seedOrigin, baseUrl);
      // A pipe into jq (as the README shows) keeps working; the status comes from a second line.
      const [curlPart, ...pipes] = swapped.split(' | ');
      const pipe = pipes.length > 0 ? `| ${pipes.join(' | ')}` : '';
      const line = `t=$(mktemp); s=$(${curlPart} --silent --output "$t" --write-out '%{http_code}'); cat "$t" ${pipe}; printf '\\n%s' "$s"; rm -f "$t"`;
      const { stdout } = await run('bash', ['-c', line]);
      const cut = stdout.lastIndexOf('\n');
      const text = stdout.slice(0, cut);
      return { status: Number(stdout.slice(cut + 1)), body: text.trim() ? JSON.parse(text) : undefined };
    },
    async waitFor(read, done, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await read();
        if (done(value)) return value;
        if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await ws.close();
      await http.close();
      await engine.stop().catch(() => {});
      await pool.end().catch(() => {});
      await db.drop();
    },
  };
}

/** A WebSocket client that keeps every message it receives, parsed. */
export async function connectWebSocket(
  url: string,
  options: { headers?: Record<string, string> } = {},
): Promise<{ socket: WebSocket; messages: Json[]; close(): void }> {
  const socket = new WebSocket(url, { headers: options.headers });
  const messages: Json[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused with ${response.statusCode}`)),
    );
  });
  return { socket, messages, close: () => socket.close() };
}

/** The seed APIs' own types, added as the service's wiring (createPgtask) adds them. */
function withCompatTypes(registry: TaskRegistry): TaskRegistry {
  for (const handler of compatHandlers()) registry.register(handler);
  return registry;
}

/**
 * A gate in front of every Sleep: while it is held, a Sleep that starts waits for `release()`
 * (or its abort: cancel, shutdown) before it sleeps its duration. A test that reads the running
 * and pending lists, or counts a running name as a duplicate, then reads a state that cannot
 * move on, however slow the machine.
 */
export class SleepGate {
  #opened = deferred();
  #held = false;

  hold(): void {
    if (this.#held) return;
    this.#held = true;
    this.#opened = deferred();
  }

  release(): void {
    this.#held = false;
    this.#opened.resolve();
  }

  /** Resolves when the gate is open; rejects with the abort reason if the signal aborts first. */
  pass(signal: AbortSignal): Promise<void> {
    if (!this.#held) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = () => reject(signal.reason);
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      this.#opened.promise.then(() => {
        signal.removeEventListener('abort', stop);
        resolve();
      });
    });
  }
}

/** The built-ins with the Sleep behind `gate`. */
function registryWithGatedSleeps(gate: SleepGate): TaskRegistry {
  const registry = new TaskRegistry();
  for (const handler of builtInHandlers()) {
    if (handler.type !== sleepTask.type) {
      registry.register(handler);
      continue;
    }
    registry.register({
      ...sleepTask,
      run: async (payload: SleepPayload, ctx: TaskContext) => {
        await gate.pass(ctx.signal);
        return sleepTask.run(payload, ctx);
      },
    });
  }
  return registry;
}
