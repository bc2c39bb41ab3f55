import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');

export interface ServiceRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves on 'close' (output drained) with the exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** package.json's start script without npm in between (`node dist/main.js`): its node arguments. */
export function startCommand(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [program, ...args] = scripts.start!.split(' ');
  if (program !== 'node') throw new Error(`the start script runs ${program}, not node`);
  return args;
}

/** package.json's `bin.pgtask` (the compiled cli.js). */
function binPath(): string {
  const { bin } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  return bin.pgtask!;
}

/**
 * The real service with only the given environment on top of ours, never our DATABASE_URL or
 * CONFIG_FILE, so no DATABASE_URL means the embedded server. `entry: 'sources'` (the default)
 * runs `node --import tsx src/main.ts`; `entry: 'start'` runs the build as `npm start` does,
 * `entry: 'bin'` the package's bin as `pgtask serve` (call buildIfStale() first for both).
 */
export function runService(options: {
  args?: string[];
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  entry?: 'sources' | 'start' | 'bin';
  cwd?: string;
}): ServiceRun {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...options.env };
  if (!options.env?.DATABASE_URL) delete env.DATABASE_URL;
  if (!options.env?.CONFIG_FILE) delete env.CONFIG_FILE;
  const entry =
    options.entry === 'start'
      ? startCommand()
      : options.entry === 'bin'
        ? [join(REPO, binPath()), 'serve']
        : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...entry, ...(options.args ?? [])], {
    cwd: options.cwd ?? REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  const run: ServiceRun = {
    child,
    stdout: '',
    stderr: '',
    exited: once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>,
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  return run;
}

/** The HTTP port once the service logs "listening"; rejects with its output if it exits first. */
export function listeningPort(run: ServiceRun): Promise<number> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const line = run.stdout.split('\n').find((text) => text.includes('"listening"'));
      if (line) {
        run.child.stdout!.off('data', look);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    run.child.stdout!.on('data', look);
    run.exited.then(([code, signal]) =>
      reject(
        new Error(`the service exited (${code ?? signal}) before listening:\n${run.stdout}\n${run.stderr}`),
      ),
    );
    look();
  });
}

/** Enqueues over HTTP and returns the new tasks' ids, in order. */
export async function enqueueOverHttp(
  port: number,
  tasks: { taskType: string; payload: unknown }[],
): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/tasks/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tasks }),
  });
  const body = (await response.json()) as { tasks?: { id: string }[] };
  if (response.status !== 202)
    throw new Error(`enqueue answered ${response.status}: ${JSON.stringify(body)}`);
  return body.tasks!.map((task) => task.id);
}

const FINISHED = new Set(['succeeded', 'dead', 'cancelled']);

/** GET /task/{id} until the task has finished (or the deadline passes); returns its view. */
export async function finishedTask(
  port: number,
  id: string,
  timeoutMs = 60_000,
): Promise<{ status: string; result: unknown; error: string | null; taskType: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (await (await fetch(`http://127.0.0.1:${port}/task/${id}`)).json()) as {
      status: string;
      result: unknown;
      error: string | null;
      taskType: string;
    };
    if (FINISHED.has(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status} after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
