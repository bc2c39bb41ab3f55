import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { until } from '../../support/until.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('Pexecutor start-up: npm start -- --pool-size 5 --queue-size 1000 --port N', () => {
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  let output = '';
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    // npm runs the service as its child: signal the whole process group. SIGKILL, as its day-long
    // sleeps would hold a graceful stop for the whole shutdown timeout; the database is dropped anyway.
    if (child?.pid && child.exitCode === null) {
      const closed = once(child, 'close');
      process.kill(-child.pid, 'SIGKILL');
      await closed;
    }
    await db.drop();
  });

  it('runs 5 tasks at once and queues the rest', async () => {
    // 8080 as in the README would collide with anything else on this machine; any port proves the flag.
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'info' };
    delete env.CONFIG_FILE;
    delete env.PORT;
    child = spawn(
      'npm',
      ['start', '--', '--pool-size', '5', '--queue-size', '1000', '--port', String(port)],
      { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await until(
      () => {
        if (child!.exitCode !== null) throw new Error(`exited before it listened:\n${output}`);
        return output.includes('"listening"');
      },
      { what: 'the service to listen', timeoutMs: 60_000, everyMs: 50 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
    const started = output.split('\n').find((line) => line.includes('"engine started"'));
    expect(JSON.parse(started!)).toMatchObject({ poolSize: 5 });
    expect(JSON.parse(output.split('\n').find((line) => line.includes('"listening"'))!)).toMatchObject({
      port,
    });

    const base = `http://127.0.0.1:${port}`;
    // Day-long sleeps: none can end before the lists are read, however slow the machine.
    const tasks = Array.from({ length: 10 }, (_, i) => ({ name: `Task ${i + 1}`, duration: 86_400_000 }));
    const submit = await fetch(`${base}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tasks),
    });
    expect(await submit.json()).toEqual({ RequestedTask: 10, SubmittedTasks: 10, DuplicateTasks: 0 });
    let running: unknown[] = [];
    await until(
      async () => {
        running = (await (await fetch(`${base}/tasks/running`)).json()) as unknown[];
        return running.length >= 5;
      },
      { what: '5 tasks running', timeoutMs: 60_000 },
    );
    expect(running).toHaveLength(5);
    const pending = (await (await fetch(`${base}/tasks/pending`)).json()) as unknown[];
    expect(pending).toHaveLength(5);
  }, 90_000);
});
