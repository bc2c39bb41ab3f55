import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The PostgreSQL binaries to run: PGTASK_SOAK_PG_BIN, else 15 (Debian's path), else the newest installed. */
function binDir(): string {
  const configured = process.env.PGTASK_SOAK_PG_BIN;
  if (configured) return configured;
  const root = '/usr/lib/postgresql';
  if (existsSync(join(root, '15', 'bin', 'initdb'))) return join(root, '15', 'bin');
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  throw new Error('no PostgreSQL server binaries (initdb, pg_ctl) found; set PGTASK_SOAK_PG_BIN');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A PostgreSQL server of the soak's own, in a temporary folder on a free port, so the soak can
 * really stop and start the server process (not only cut its connections). As root it runs as the
 * `postgres` system user: PostgreSQL refuses to run as root.
 */
export class PostgresServer {
  #up = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly user: string | undefined,
  ) {}

  static async create(): Promise<PostgresServer> {
    const bin = binDir();
    const user = process.getuid?.() === 0 ? 'postgres' : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'pgtask-soak-pg-'));
    const server = new PostgresServer(dir, await freePort(), bin, user);
    mkdirSync(server.dataDir);
    if (user) {
      const { stdout } = await run('id', ['-u', user]);
      const { stdout: gid } = await run('id', ['-g', user]);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
      chownSync(server.dataDir, Number(stdout.trim()), Number(gid.trim()));
    }
    await server.#as('initdb', [
      '-D',
      server.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    return server;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get up(): boolean {
    return this.#up;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.dir}`,
      // A killed server process is the fault, not a lost disk: the OS keeps what was written.
      '-c fsync=off',
      '-c max_connections=200',
    ].join(' ');
    await this.#as('pg_ctl', [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
    ]);
    this.#up = true;
  }

  /** `fast` is a clean shutdown; `immediate` kills the server, which recovers from its WAL on start. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.#up = false;
    await this.#as('pg_ctl', ['stop', '-w', '-t', '60', '-D', this.dataDir, '-m', mode]);
  }

  async destroy(): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #as(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    const [file, argv] = this.user ? ['runuser', ['-u', this.user, '--', path, ...args]] : [path, args];
    try {
      await run(file, argv, { cwd: this.dir });
    } catch (error) {
      const failed = error as { stderr?: string; stdout?: string };
      throw new Error(`${program} ${args[0]} failed: ${failed.stderr || failed.stdout || String(error)}`);
    }
  }
}
