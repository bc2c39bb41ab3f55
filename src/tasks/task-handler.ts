import type { z } from 'zod';
import type { TaskStatsRow } from '../model/report.js';

/** The slice of a logger a handler gets; pino's child loggers satisfy it. */
export interface TaskLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

export interface MailMessage {
  to: string[];
  from: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string; delivered: boolean }>;
}

export interface ReportSource {
  taskStats(window: { since: Date; until: Date }): Promise<TaskStatsRow[]>;
}

/**
 * What a handler's run gets besides its payload. `Services` is whatever the program handed to
 * `createPgtask({ services })` (the database pool, an HTTP client, …), typed by `defineHandler`.
 */
export interface TaskContext<Services = unknown> {
  taskId: string;
  queue: string;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  /** Aborted on timeout, on cancel and on shutdown past its grace period. */
  signal: AbortSignal;
  log: TaskLogger;
  /**
   * The program's services (`createPgtask({ services })`). Undefined inside worker threads:
   * thread handlers do pure computation on their payload.
   */
  services: Services;
  /**
   * For a task enqueued with dependsOn: its parents that succeeded, id → result. Under
   * onParentFailure "run" a parent that ended dead or cancelled is absent. Undefined without parents.
   */
  parents?: Readonly<Record<string, unknown>>;
  /**
   * Reports how far the task got: `fraction` from 0 to 1 and an optional short message. Cheap to
   * call often: the engine stores at most one value per task per second (the latest), with its
   * batched writes. Throws a RangeError for a fraction outside 0..1.
   */
  progress(fraction: number, message?: string): void;
}

/** A progress report as stored and shown (`GET /task/{id}`, the event stream). */
export interface TaskProgress {
  fraction: number;
  message: string | null;
}

/** Longest progress message kept; longer ones are cut. */
export const MAX_PROGRESS_MESSAGE = 500;

/** Checks a `ctx.progress` call in one place (the event loop and worker threads share it). */
export function checkProgress(fraction: unknown, message?: unknown): TaskProgress {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw new RangeError(
      `ctx.progress(fraction): fraction must be a number from 0 to 1, got ${String(fraction)}`,
    );
  }
  if (message === undefined || message === null) return { fraction, message: null };
  // PostgreSQL's jsonb refuses NUL and lone surrogates; a cut can split a pair, so cut first.
  const text = String(message).slice(0, MAX_PROGRESS_MESSAGE).toWellFormed().replaceAll('\u0000', '');
  return { fraction, message: text };
}

export interface TaskDefaults {
  timeoutMs?: number;
  maxRetries?: number;
  backoffMs?: number;
}

export interface TaskHandler<Payload = unknown, Result = unknown, Services = unknown> {
  /** The `taskType` clients send. */
  type: string;
  description?: string;
  payloadSchema: z.ZodType<Payload>;
  /** Returns a JSON-able result. Throw PermanentError to fail without retries. */
  run(payload: Payload, ctx: TaskContext<Services>): Promise<Result> | Result;
  defaults?: TaskDefaults;
  /**
   * CPU-bound types run in a worker thread so the event loop stays free. The thread imports
   * `moduleUrl` (the handler file's import.meta.url) and calls its default export's `run` (of
   * the handler of this type when the default export is an array of handlers).
   */
  thread?: { moduleUrl: string };
  /** The payload's JSON Schema when it is not derived from `payloadSchema` (external types). */
  jsonSchema?: Record<string, unknown>;
  /**
   * Set for types that no node runs: HTTP workers claim them from `queue`, which holds only
   * external types (see the worker protocol, api/routes/workers.ts).
   */
  external?: { queue: string };
}

/** `defineHandler<Services>()`: a definer whose handlers see `ctx.services` as `Services`. */
export type HandlerDefiner<Services> = <Payload, Result>(
  handler: TaskHandler<Payload, Result, Services>,
) => TaskHandler<Payload, Result, Services>;

/**
 * Makes a handler with its payload type taken from `payloadSchema`:
 * `defineHandler({ type, payloadSchema, run(payload, ctx) { … } })`. With services,
 * `defineHandler<Services>()({ … })` types `ctx.services` (TypeScript cannot infer the payload
 * once one type argument is written, hence the extra call).
 */
export function defineHandler<Services>(): HandlerDefiner<Services>;
export function defineHandler<Payload, Result, Services = unknown>(
  handler: TaskHandler<Payload, Result, Services>,
): TaskHandler<Payload, Result, Services>;
export function defineHandler(handler?: TaskHandler): TaskHandler | HandlerDefiner<unknown> {
  return handler ?? ((defined) => defined);
}

/** Thrown by a handler when retrying cannot help (bad input, a refused request): the task goes dead. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * Thrown by a handler to run the task again later without spending an attempt:
 * `throw new Snooze('30s')` (a Go-style duration or milliseconds). The task goes back to waiting
 * until now + delay on the database clock, and its history records "snoozed 30s".
 */
export class Snooze extends Error {
  override name = 'Snooze';
  constructor(readonly delay: string | number) {
    super(`snoozed ${String(delay)}`);
  }
}

export function isSnooze(error: Error): error is Snooze {
  return error instanceof Snooze || (error.name === 'Snooze' && 'delay' in error);
}

/** Thrown when a task ran past its timeout. */
export class TaskTimeoutError extends Error {
  override name = 'TaskTimeoutError';
}

/**
 * Whatever a handler threw (strings, objects, undefined) becomes an Error, in one place, before
 * it is recorded.
 */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  if (thrown === undefined || thrown === null) return new Error(`handler threw ${String(thrown)}`);
  if (typeof thrown === 'object' && 'message' in thrown && typeof thrown.message === 'string') {
    const error = new Error(thrown.message);
    if ('name' in thrown && typeof thrown.name === 'string') error.name = thrown.name;
    return error;
  }
  try {
    return new Error(`handler threw ${JSON.stringify(thrown)}`);
  } catch {
    return new Error(`handler threw ${String(thrown)}`);
  }
}

export function isPermanent(error: Error): boolean {
  return error instanceof PermanentError || error.name === 'PermanentError';
}
