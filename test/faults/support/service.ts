import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..', '..');

/** The entry points a fault test can start: the real service, or the same wiring with fixture handlers. */
const ENTRIES = {
  main: 'src/main.ts',
  fixture: 'test/faults/fixtures/fault-service.ts',
} as const;

export type ConfigOverrides = Record<string, unknown>;

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface StartOptions {
  /** A short name for messages and the results table ("A", "B", …). */
  name: string;
  databaseUrl: string;
  /** Merged over the base config (loopback listener, info logs); written as the CONFIG_FILE. */
  config?: ConfigOverrides;
  entry?: keyof typeof ENTRIES;
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
}

const BASE_CONFIG: ConfigOverrides = {
  api: { listenAddr: '127.0.0.1:0' },
  log: { level: 'info' },
};

/** Lines kept per process; enough for every scenario, bounded so a chatty run cannot grow memory. */
const MAX_LOG_LINES = 50_000;

/**
 * One instance of the service as a real child process (`node --import tsx src/main.ts`, the
 * start script) on its own config file. Its JSON log lines are kept for assertions and printed
 * when a test fails.
 */
export class ServiceProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  port = 0;
  /** The node id it registered under at start (a node that lost its lease rejoins under a new one). */
  nodeId = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #partial = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly configDir: string,
  ) {
    this.exited = once(child, 'close').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    child.stdout!.on('data', (chunk: Buffer) => this.#onStdout(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 1000) this.stderr.push(chunk.toString());
    });
  }

  static async start(options: StartOptions): Promise<ServiceProcess> {
    const configDir = mkdtempSync(join(tmpdir(), `pgtask-fault-${options.name}-`));
    const configFile = join(configDir, 'config.yaml');
    // JSON is YAML: the config loader reads it as it reads config.yaml.
    writeFileSync(configFile, JSON.stringify(deepMerge(BASE_CONFIG, options.config ?? {}), null, 2));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CONFIG_FILE: configFile,
      DATABASE_URL: options.databaseUrl,
      ...options.env,
    };
    delete env.PORT;
    delete env.LOG_LEVEL;
    delete env.API_TOKENS;
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRIES[options.entry ?? 'main']], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(options.name, child, configDir);
    await service.#waitListening();
    return service;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async request(
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(this.url(path), {
      ...init,
      signal: init.signal ?? AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the caller asserts on the raw text.
    }
    return { status: response.status, body, headers: response.headers };
  }

  /** POST /tasks/enqueue; throws unless the answer is 202. */
  async enqueue(tasks: readonly object[]): Promise<EnqueueAnswer> {
    const answer = await this.request('/tasks/enqueue', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tasks }),
    });
    if (answer.status !== 202) {
      throw new Error(
        `${this.name}: enqueue answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`,
      );
    }
    return answer.body as EnqueueAnswer;
  }

  /** Resident memory of the process now, in MB (VmRSS of /proc/<pid>/status). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!match) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(match[1]) / 1024;
  }

  /** Sends a signal; false when the process is already gone (no ESRCH thrown at the caller). */
  signal(signal: NodeJS.Signals): boolean {
    try {
      process.kill(this.pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
  }

  /** Log lines with this message, in order. */
  logged(msg: string): LogLine[] {
    return this.logs.filter((line) => line.msg === msg);
  }

  /** Ends the process if it still runs (SIGKILL after SIGCONT, so a stopped one dies too). */
  async destroy(): Promise<void> {
    if (this.alive) {
      try {
        process.kill(this.pid, 'SIGCONT');
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await this.exited;
    }
    rmSync(this.configDir, { recursive: true, force: true });
  }

  /** The last lines of its log and stderr, for failure messages. */
  tail(lines = 30): string {
    const out = this.logs.slice(-lines).map((line) => JSON.stringify(line));
    return `--- ${this.name} (pid ${this.child.pid}) log tail:\n${out.join('\n')}\n--- stderr:\n${this.stderr.join('').slice(-4000)}`;
  }

  #onStdout(text: string): void {
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      try {
        if (this.logs.length >= MAX_LOG_LINES) this.logs.splice(0, MAX_LOG_LINES / 10);
        this.logs.push(JSON.parse(part) as LogLine);
      } catch {
        // A partial or foreign line; ignore.
      }
    }
  }

  async #waitListening(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const line = this.logs.find((entry) => entry.msg === 'listening');
      if (line) {
        this.port = line.port as number;
        this.nodeId = line.nodeId as string;
        return;
      }
      if (!this.alive) break;
      await delay(25);
    }
    const tail = this.tail();
    await this.destroy();
    throw new Error(`instance ${this.name} did not log "listening" within 60 s\n${tail}`);
  }
}

export interface EnqueueAnswer {
  requested: number;
  submitted: number;
  duplicates: number;
  tasks: Array<{ index: number; id: string; taskType: string; queue: string; status: string }>;
  duplicateKeys: string[];
}

/** Starts several instances at once (they boot in parallel: start-up is mostly module loading). */
export async function startInstances(
  names: readonly string[],
  options: Omit<StartOptions, 'name'>,
): Promise<ServiceProcess[]> {
  const settled = await Promise.allSettled(names.map((name) => ServiceProcess.start({ ...options, name })));
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((service) => service.destroy()));
    throw failed.reason;
  }
  return started;
}

export function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false, or throws at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs: number; everyMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await delay(options.everyMs ?? 100);
  }
}

/** Samples the RSS of a process every `everyMs` until stopped; returns the peak and the samples. */
export function sampleRss(service: ServiceProcess, everyMs = 200) {
  const samples: number[] = [];
  const take = () => {
    if (service.alive) samples.push(service.rssMb());
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop(): { peakMb: number; firstMb: number; lastMb: number } {
      clearInterval(timer);
      take();
      return {
        peakMb: Math.max(...samples),
        firstMb: samples[0] ?? Number.NaN,
        lastMb: samples[samples.length - 1] ?? Number.NaN,
      };
    },
  };
}

function deepMerge(base: ConfigOverrides, overrides: ConfigOverrides): ConfigOverrides {
  const merged: ConfigOverrides = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] =
      isPlainObject(current) && isPlainObject(value)
        ? deepMerge(current as ConfigOverrides, value as ConfigOverrides)
        : value;
  }
  return merged;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
