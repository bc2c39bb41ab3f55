/**
 * A start-up failure of the embedded PostgreSQL that the user can act on. main.ts prints its
 * message as one line and exits 2, as it does for a bad config value: never a stack trace.
 */
export class EmbeddedStartError extends Error {
  override name = 'EmbeddedStartError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(`embedded PostgreSQL: ${message}`, options);
  }
}

const OTHER_WAYS = 'or set DATABASE_URL to use a PostgreSQL of your own';

/** What initdb or postgres printed before it gave up, turned into the one line a user can act on. */
export function explainServerFailure(options: {
  program: 'initdb' | 'postgres';
  output: string;
  exitCode: number | null;
  dataDir: string;
  port: number;
  user?: string;
}): EmbeddedStartError {
  const { output, dataDir, port } = options;
  if (/No space left on device|could not extend file|Disk quota exceeded/i.test(output)) {
    return new EmbeddedStartError(
      `no space left on the disk that holds ${dataDir}; free some space, or set ` +
        `storage.embedded.dataDir to a folder on a disk with room (100 MB or more), ${OTHER_WAYS}`,
    );
  }
  if (/Address already in use|could not create any TCP\/IP sockets/.test(output)) {
    return new EmbeddedStartError(
      `port ${port} on 127.0.0.1 is already in use; set storage.embedded.port to a free port ` +
        `(0 picks one at start-up), ${OTHER_WAYS}`,
    );
  }
  if (/lock file "postmaster\.pid" already exists/.test(output)) {
    return inUseError(dataDir, /PID (\d+)/.exec(output)?.[1]);
  }
  if (/database files are incompatible with server/.test(output)) {
    const made = /initialized by PostgreSQL version (\d+)/.exec(output)?.[1] ?? 'another version';
    const ours = /not compatible with this version (\d+)/.exec(output)?.[1] ?? 'this one';
    return majorVersionError(dataDir, made, ours);
  }
  const problem = lastProblem(output) ?? `exit code ${options.exitCode ?? 'none'}`;
  if (/Permission denied|Operation not permitted|Read-only file system/i.test(problem)) {
    return new EmbeddedStartError(
      `${options.program} cannot use ${dataDir}: ${problem}; give ${options.user ? `the ${options.user} user` : 'this user'} ` +
        `write access there, or set storage.embedded.dataDir to a folder it may write, ${OTHER_WAYS}`,
    );
  }
  return new EmbeddedStartError(
    `${options.program} failed for ${dataDir}: ${problem} (LOG_LEVEL=debug shows its whole output)`,
  );
}

export function inUseError(dataDir: string, pid: string | number | undefined): EmbeddedStartError {
  return new EmbeddedStartError(
    `the data folder ${dataDir} is in use by another running instance${pid ? ` (pid ${pid})` : ''}; ` +
      `stop it, or give this instance its own storage.embedded.dataDir, ${OTHER_WAYS}`,
  );
}

export function majorVersionError(dataDir: string, made: string, ours: string | number): EmbeddedStartError {
  return new EmbeddedStartError(
    `the data folder ${dataDir} was made by PostgreSQL ${made} and this is PostgreSQL ${ours}; ` +
      `to start afresh, move it aside (mv ${dataDir} ${dataDir}-pg${made}); to keep its tasks, ` +
      `dump it with PostgreSQL ${made} (pg_dumpall) and load the dump into the new server, ` +
      `${OTHER_WAYS} (a PostgreSQL ${made} server on that folder)`,
  );
}

/** The last FATAL/ERROR/PANIC line (postgres) or "initdb: error:" line, without its prefix. */
function lastProblem(output: string): string | undefined {
  const lines = output.split('\n').map((line) => line.trim());
  for (let index = lines.length - 1; index >= 0; index--) {
    const match = /(?:FATAL|PANIC|ERROR):\s+(.*)$|^initdb: error: (.*)$/.exec(lines[index]!);
    if (match) return (match[1] ?? match[2])!.trim();
  }
  return undefined;
}
