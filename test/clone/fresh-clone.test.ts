import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstBlockedFolder } from '../../src/db/embedded-account.js';

/**
 * What a new user does, end to end: clone the repository at HEAD into a private folder
 * (`mktemp -d`, mode 700), run the README's two commands, `npm ci` and `npm start`, and get
 * /readyz 200 from the embedded PostgreSQL; as root and as an unprivileged user. Slow (an
 * `npm ci` per user), so it is its own suite: `npm run test:clone`, a step of .ci/run.
 */
const REPO = join(import.meta.dirname, '..', '..');
const isRoot = process.getuid?.() === 0;
const TEST_USER = 'pgtask-clone-test';

interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

let bundleDir: string;
let bundle: string;

beforeAll(async () => {
  // A bundle of HEAD, readable by anyone: the unprivileged user may not be able to enter REPO.
  bundleDir = await mkdtemp(join(tmpdir(), 'pgtask-clone-bundle-'));
  await chmod(bundleDir, 0o755);
  bundle = join(bundleDir, 'pgtask.bundle');
  execFileSync('git', ['bundle', 'create', bundle, 'HEAD'], { cwd: REPO, stdio: 'pipe' });
  await chmod(bundle, 0o644);
});

afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

function currentUser(): User {
  const name = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  return { name, uid: process.getuid!(), gid: process.getgid!(), home: process.env.HOME ?? tmpdir() };
}

/** An ordinary login user with a home folder, made once (root only). */
function unprivilegedUser(): User {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, TEST_USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
  try {
    id('-u');
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', TEST_USER], { stdio: 'pipe' });
  }
  const home = execFileSync('getent', ['passwd', TEST_USER], { encoding: 'utf8' }).split(':')[5]!;
  return { name: TEST_USER, uid: id('-u'), gid: id('-g'), home };
}

/** The environment a login shell of `user` would have, with this node first on PATH. */
function environmentOf(user: User): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: user.home,
    USER: user.name,
    LANG: process.env.LANG ?? 'C.UTF-8',
    PORT: '0', // the README's :8080 may be taken on a shared machine
    LOG_LEVEL: 'info',
  };
  return env;
}

function spawnAs(user: User, command: string, args: string[], cwd: string): ChildProcess {
  return spawn(command, args, {
    cwd,
    env: environmentOf(user),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so npm and the node it starts stop together
    ...(user.uid === process.getuid?.() ? {} : { uid: user.uid, gid: user.gid }),
  });
}

async function runToEnd(user: User, command: string, args: string[], cwd: string): Promise<string> {
  const child = spawnAs(user, command, args, cwd);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  expect(code, `${command} ${args.join(' ')}:\n${output}`).toBe(0);
  return output;
}

/** `npm start` until /readyz answers 200, then SIGTERM; returns what it logged. */
async function startAndCheck(user: User, cwd: string, extraEnv: Record<string, string> = {}) {
  const child = spawn('npm', ['start'], {
    cwd,
    env: { ...environmentOf(user), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(user.uid === process.getuid?.() ? {} : { uid: user.uid, gid: user.gid }),
  });
  let output = '';
  const closed = once(child, 'close') as Promise<[number | null, string | null]>;
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.includes('"msg":"listening"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    closed.then(([code]) => reject(new Error(`npm start exited (${code}) before listening:\n${output}`)));
  });
  try {
    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readyz.status, output).toBe(200);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await closed;
  }
  return output;
}

/** The data folder the embedded server used, from its "started" log line. */
function dataDirOf(output: string): string | undefined {
  const line = output.split('\n').find((text) => text.includes('embedded PostgreSQL started'));
  return line ? (JSON.parse(line) as { dataDir: string }).dataDir : undefined;
}

async function cloneAndStart(user: User) {
  const parent = await mkdtemp(join(tmpdir(), 'pgtask-fresh-'));
  const cleanUp: string[] = [parent];
  try {
    if (user.uid !== process.getuid?.()) await chown(parent, user.uid, user.gid);
    await chmod(parent, 0o700); // as `mktemp -d` makes it
    const checkout = join(parent, 'pgtask');
    await runToEnd(user, 'git', ['clone', '--quiet', bundle, checkout], parent);
    await runToEnd(user, 'npm', ['ci', '--no-audit', '--no-fund'], checkout);
    const output = await startAndCheck(user, checkout);
    const dataDir = dataDirOf(output);
    expect(dataDir, output).toBeDefined();
    if (dataDir!.startsWith('/var/lib/pgtask/')) cleanUp.push(dirname(dataDir!));
    else expect(dataDir).toBe(join(checkout, '.data', 'postgres'));
    if (process.env.DATABASE_URL) {
      // The same clone on a PostgreSQL of the user's own starts nothing embedded.
      const withUrl = await startAndCheck(user, checkout, { DATABASE_URL: process.env.DATABASE_URL });
      expect(withUrl).not.toContain('embedded PostgreSQL started');
    }
    return { dataDir: dataDir! };
  } finally {
    for (const path of cleanUp) await rm(path, { recursive: true, force: true });
  }
}

describe('a fresh clone in a private folder starts with the README commands', () => {
  it.skipIf(!isRoot)(
    'as root (runs only when the tests run as root)',
    async () => {
      const { dataDir } = await cloneAndStart(currentUser());
      // The postgres user cannot enter the mode-700 folder, so the default data folder moved.
      expect(dataDir).toMatch(/^\/var\/lib\/pgtask\/pgtask-[0-9a-f]{12}\/postgres$/);
    },
    600_000,
  );

  it('as an unprivileged user', async (context) => {
    const user = isRoot ? unprivilegedUser() : currentUser();
    const blocked = [process.execPath, bundle]
      .map((path) => firstBlockedFolder(dirname(path), user))
      .find(Boolean);
    if (blocked) context.skip(`${user.name} cannot enter ${blocked}, where node or the bundle is`);
    const { dataDir } = await cloneAndStart(user);
    expect(dataDir).toMatch(/\/pgtask\/\.data\/postgres$/);
  }, 600_000);
});
