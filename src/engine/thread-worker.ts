/**
 * Entry of one worker thread of the ThreadRunner. It runs one task at a time: imports the
 * handler module (cached after the first import), calls its default export's `run` and posts the
 * outcome back. Aborting is the parent's job: it terminates this thread, which no handler can
 * ignore, so the local signal below only exists to satisfy the TaskContext contract.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { handlersOfModule } from '../tasks/module-exports.js';
import {
  checkProgress,
  coerceError,
  isSnooze,
  type TaskHandler,
  type TaskLogger,
} from '../tasks/task-handler.js';
import type { ThreadReply, ThreadRequest } from './thread-runner.js';

if (!parentPort) throw new Error('thread-worker.ts runs only inside a worker thread');
const port = parentPort;

// On Linux a nice value set with pid 0 applies to the calling thread only: this thread yields to
// the event loop when cores are oversubscribed, so the API answers first and CPU work waits.
// (Elsewhere it would renice the whole process, so it is left alone.)
const { niceness } = (workerData ?? {}) as { niceness?: number };
if (process.platform === 'linux' && niceness) {
  try {
    setPriority(niceness);
  } catch {
    // Not allowed here (a container policy): run at the normal priority.
  }
}

function post(reply: ThreadReply): void {
  port.postMessage(reply);
}

function logLine(level: 'info' | 'warn' | 'error' | 'debug'): TaskLogger[typeof level] {
  return (obj: object | string, msg?: string) => {
    try {
      post({ kind: 'log', level, obj, msg });
    } catch {
      // Functions or sockets in a log object cannot cross threads; keep the line, drop the object.
      post({ kind: 'log', level, obj: String(obj), msg });
    }
  };
}

const log: TaskLogger = {
  info: logLine('info'),
  warn: logLine('warn'),
  error: logLine('error'),
  debug: logLine('debug'),
};

/** Checked here, so a bad call throws inside the handler; the parent keeps only the latest value. */
function progress(fraction: number, message?: string): void {
  const checked = checkProgress(fraction, message);
  post({ kind: 'progress', fraction: checked.fraction, message: checked.message });
}

async function loadHandler(moduleUrl: string, type: string | undefined): Promise<TaskHandler> {
  const module = (await import(moduleUrl)) as { default?: unknown };
  const found = handlersOfModule(module);
  if ('problem' in found) throw new Error(`${moduleUrl} ${found.problem}`);
  // A module of one handler runs it whatever it was registered as (as before arrays were allowed).
  const handler =
    found.handlers.length === 1
      ? found.handlers[0]
      : found.handlers.find((candidate) => candidate.type === type);
  if (!handler) throw new Error(`${moduleUrl} exports no handler of type ${String(type)}`);
  return handler;
}

port.on('message', async (request: ThreadRequest) => {
  const controller = new AbortController();
  try {
    const handler = await loadHandler(request.moduleUrl, request.type);
    const value = await handler.run(request.payload, {
      ...request.ctx,
      services: undefined,
      signal: controller.signal,
      log,
      progress,
    });
    try {
      post({ kind: 'result', value });
    } catch (error) {
      post({
        kind: 'error',
        name: 'Error',
        message: `the result of ${handler.type} cannot be sent back from its thread: ${coerceError(error).message}`,
      });
    }
  } catch (thrown) {
    const error = coerceError(thrown);
    const delay = isSnooze(error) ? error.delay : undefined;
    post({ kind: 'error', name: error.name, message: error.message, stack: error.stack, delay });
  }
});
