import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');

export interface ServiceRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves on 'close' (output drained) with the exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/**
 * The real service (`node --import tsx src/main.ts`) with only the given environment on top of
 * ours, never our DATABASE_URL or CONFIG_FILE, so no DATABASE_URL means the embedded server.
 */
export function runService(options: {
  args?: string[];
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
}): ServiceRun {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...options.env };
  if (!options.env?.DATABASE_URL) delete env.DATABASE_URL;
  if (!options.env?.CONFIG_FILE) delete env.CONFIG_FILE;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...(options.args ?? [])], {
    cwd: REPO,
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
