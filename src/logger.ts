import pino, { type Logger } from 'pino';

export type { Logger };

/** Field paths whose values never reach the logs, wherever a payload or request puts them. */
export const REDACTED_PATHS = [
  'password',
  'token',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.*.password',
  '*.*.token',
  '*.*.secret',
  '*.*.authorization',
  'req.headers.authorization',
];

/** JSON lines for machines; pretty lines when a person watches a terminal. */
export function createLogger(options: { level: string; pretty?: boolean }): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && process.env.CI !== 'true');
  return pino({
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } } : {}),
  });
}
