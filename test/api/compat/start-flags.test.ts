import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

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
    // npm runs the service as its child: signal the whole process group.
    if (child?.pid && child.exitCode === null) {
      const closed = once(child, 'close');
      process.kill(-child.pid, 'SIGTERM');
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
    const deadline = Date.now() + 60_000;
    while (!output.includes('"listening"')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start:\n${output}`);
      await new Promise((done) => setTimeout(done, 50));
    }
    const started = output.split('\n').find((line) => line.includes('"engine started"'));
    expect(JSON.parse(started!)).toMatchObject({ poolSize: 5 });
    expect(JSON.parse(output.split('\n').find((line) => line.includes('"listening"'))!)).toMatchObject({
      port,
    });

    const base = `http://127.0.0.1:${port}`;
    const tasks = Array.from({ length: 10 }, (_, i) => ({ name: `Task ${i + 1}`, duration: 5000 }));
    const submit = await fetch(`${base}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tasks),
    });
    expect(await submit.json()).toEqual({ RequestedTask: 10, SubmittedTasks: 10, DuplicateTasks: 0 });
    let running: unknown[] = [];
    while (running.length < 5 && Date.now() < deadline) {
      running = (await (await fetch(`${base}/tasks/running`)).json()) as unknown[];
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(running).toHaveLength(5);
    const pending = (await (await fetch(`${base}/tasks/pending`)).json()) as unknown[];
    expect(pending).toHaveLength(5);
  }, 90_000);
});
