import { z } from 'zod';
import { MAX_DURATION_MS, MAX_DURATION_RULE, QUEUE_NAME_PATTERN, QUEUE_NAME_RULE } from '../task-limits.js';
import { CronError, canonicalTimezone, parseCron } from './cron-expression.js';
import { parseDuration } from './duration.js';
import { compileJsonSchema } from './json-schema.js';

/**
 * A duration given as a Go-style string ("5s", "1m30s") or a number of milliseconds. Every one
 * in the config is a timer or a task's backoff or timeout, so each has their limit.
 */
const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a duration like "500ms", "5s" or "1m30s"' });
    return z.NEVER;
  }
  if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `a duration up to ${MAX_DURATION_RULE}` });
    return z.NEVER;
  }
  return ms;
});

const queueName = z.string().regex(QUEUE_NAME_PATTERN, QUEUE_NAME_RULE);

const positiveInt = z.number().int().positive();
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const queueSchema = z.strictObject({
  id: queueName,
  /**
   * The Elixir job runner API's setting (api/compat/job-runner.ts): the task type its `/api/jobs`
   * create in this queue, which makes the queue a job queue. The engine never reads it.
   */
  handler: z.string().optional(),
  /** This queue's own concurrency on each node; 0 means only the global pool limits it. */
  workers: z.number().int().nonnegative().default(0),
  /** Fallback poll interval for this queue when no NOTIFY arrives. */
  interval: duration.optional(),
  paused: z.boolean().default(false),
  /** At most `max` starts per `per` across every instance (see README, "Rate limits"). */
  rateLimit: z
    .strictObject({
      max: z.number().int().min(1).max(1_000_000),
      per: duration.refine((ms) => ms >= 1, `a duration above 0 and up to ${MAX_DURATION_RULE}`),
    })
    .optional(),
  /** At most this many tasks of one concurrencyKey claimed or running at once, across instances. */
  maxPerKey: z.number().int().min(1).max(100_000).optional(),
});

const tokenSchema = z.strictObject({
  name: z.string().min(1),
  token: z.string().min(16, 'a token of at least 16 characters'),
  /** read: GET only; worker: the HTTP worker protocol only (claim, heartbeat, complete, fail); admin: all. */
  scope: z.enum(['read', 'worker', 'admin']).default('admin'),
});

/** A task type that no node runs: HTTP workers claim it (POST /workers/claim). */
/** 32 bytes as 64 hex digits or as base64 (`openssl rand -base64 32`). */
function isKey32(text: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return true;
  return /^[A-Za-z0-9+/]{43}=?$/.test(text) && Buffer.from(text, 'base64').length === 32;
}

const encryptionKeySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'key ids are 1-64 letters, digits, "_", "." or "-"'),
  key: z.string().refine(isKey32, 'a key is 32 bytes: 64 hex digits, or base64 (openssl rand -base64 32)'),
});

const externalTypeSchema = z.strictObject({
  type: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'a type name of 1-100 letters, digits, "_", ".", ":" or "-"'),
  /** Its tasks go to this queue, which holds only external types (no node's feeder claims from it). */
  queue: queueName
    .refine((name) => name !== 'default', 'the default queue is for the types this node runs')
    .default('external'),
  description: z.string().optional(),
  /** JSON Schema of the payload, checked at enqueue (draft 2020-12 unless $schema says draft-07). */
  payloadSchema: z
    .record(z.string(), z.unknown())
    .superRefine((schema, ctx) => {
      try {
        compileJsonSchema(schema);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a usable JSON Schema: ${(error as Error).message}` });
      }
    })
    .optional(),
  timeout: duration.optional(),
  maxRetries: z.number().int().min(0).max(1000).optional(),
  backOff: duration.optional(),
});

/** A schedule's name: it is the key in the URL (`/schedules/{name}`) and in the database. */
export const SCHEDULE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** A schedule from config: upserted at every start (config is the source for the names it lists). */
const scheduleSchema = z
  .strictObject({
    name: z.string().regex(SCHEDULE_NAME, 'a schedule name of 1-100 letters, digits, "_", ".", ":" or "-"'),
    /** 5 fields (minute first) or 6 (second first), or a nickname such as "@daily". */
    cron: z.string(),
    /** An IANA zone the expression is read in; UTC by default. */
    timezone: z
      .string()
      .superRefine((zone, ctx) => {
        try {
          canonicalTimezone(zone);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: expectedOf(error) });
        }
      })
      .optional(),
    /** The task each tick enqueues; checked like an enqueue once the task types are known. */
    task: z.strictObject({
      taskType: z.string().min(1),
      payload: z.unknown().optional(),
      queue: z.string().optional(),
      priority: z.number().int().optional(),
    }),
    paused: z.boolean().default(false),
  })
  .superRefine((schedule, ctx) => {
    try {
      parseCron(schedule.cron, schedule.timezone);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['cron'], input: schedule.cron, message: expectedOf(error) });
    }
  });

function expectedOf(error: unknown): string {
  return error instanceof CronError ? error.expected : String((error as Error).message);
}

/** The embedded PostgreSQL's data folder when none is configured (relative to the working folder). */
export const DEFAULT_EMBEDDED_DATA_DIR = './.data/postgres';

export const configSchema = z.strictObject({
  api: z
    .strictObject({
      listenAddr: z
        .string()
        .regex(/^([^:]*):(\d{1,5})$/, 'an address like ":8080" or "127.0.0.1:8080"')
        .default(':8080'),
      bodyLimit: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      maxTasksPerRequest: positiveInt.default(10_000),
      /** Enqueue answers 429 once this many tasks wait in PostgreSQL; 0 disables the check. */
      maxBacklog: z.number().int().nonnegative().default(0),
      authTokens: z.array(tokenSchema).default([]),
      rateLimit: z
        .strictObject({
          requestsPerSecond: z.number().nonnegative().default(0),
          burst: z.number().int().positive().default(100),
        })
        .prefault({}),
      requestTimeout: duration.default(30_000),
      headersTimeout: duration.default(10_000),
    })
    .prefault({}),
  queue: z
    .strictObject({
      maxBufferSize: positiveInt.default(1000),
      workerPoolSize: positiveInt.default(10),
      maxTaskRetry: z.number().int().nonnegative().default(3),
      defaultBackOff: duration.default(1000),
      defaultTimeout: duration.default(300_000),
      minPriority: z.number().int().default(-1000),
      maxPriority: z.number().int().default(1000),
      /** Every Nth dispatch takes the oldest ready task whatever its priority (0 disables). */
      starvationEvery: z.number().int().nonnegative().default(10),
      /** Share of every claim from PostgreSQL reserved for the oldest waiting tasks. */
      claimOldestShare: z.number().min(0).max(1).default(0.1),
      pollInterval: duration.default(1000),
      queues: z.array(queueSchema).default([]),
    })
    .prefault({}),
  storage: z
    .strictObject({
      url: z.string().optional(),
      host: z.string().optional(),
      port: z.number().int().min(1).max(65535).default(5432),
      user: z.string().default('postgres'),
      dbname: z.string().default('postgres'),
      password: z.string().optional(),
      poolSize: positiveInt.default(10),
      statementTimeout: duration.default(30_000),
      lockTimeout: duration.default(5_000),
      embedded: z
        .strictObject({
          dataDir: z.string().default(DEFAULT_EMBEDDED_DATA_DIR),
          /** 0 picks a free port at start-up; never 5432, where a system server may listen. */
          port: z.number().int().min(0).max(65535).default(0),
        })
        .prefault({}),
    })
    .prefault({}),
  lease: z
    .strictObject({
      heartbeatInterval: duration.default(1000),
      timeout: duration.default(5000),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** Delete finished tasks (and their events) older than this many days; 0 keeps them forever. */
      days: z.number().nonnegative().default(0),
      interval: duration.default(60_000),
      batchSize: positiveInt.default(1000),
    })
    .prefault({}),
  tasks: z
    .strictObject({
      /**
       * Handler modules to load at start-up: files or globs, relative to the config file (the
       * loader makes them absolute). Each module default-exports a handler or an array of them.
       */
      modules: z.array(z.string().min(1)).default([]),
      /** Register the five built-in types (SendEmail, GenerateReport, CPUProcess, Sleep, Fibonacci). */
      builtIn: z.boolean().default(true),
      external: z
        .array(externalTypeSchema)
        .default([])
        .superRefine((types, ctx) => {
          const seen = new Set<string>();
          types.forEach((entry, index) => {
            if (seen.has(entry.type))
              ctx.addIssue({
                code: 'custom',
                path: [index, 'type'],
                message: `type ${entry.type} is listed twice`,
              });
            seen.add(entry.type);
          });
        }),
    })
    .prefault({}),
  schedules: z
    .array(scheduleSchema)
    .default([])
    .superRefine((schedules, ctx) => {
      const seen = new Set<string>();
      schedules.forEach((entry, index) => {
        if (seen.has(entry.name))
          ctx.addIssue({
            code: 'custom',
            path: [index, 'name'],
            input: entry.name,
            message: `a name used once (${entry.name} is listed twice)`,
          });
        seen.add(entry.name);
      });
    }),
  mailer: z.strictObject({ smtpUrl: z.string().optional() }).default({}),
  log: z.strictObject({ level: logLevel.default('info') }).prefault({}),
  shutdown: z.strictObject({ timeout: duration.default(10_000) }).prefault({}),
  security: z
    .strictObject({
      // Payloads and results encrypted at rest (AES-256-GCM): the first key encrypts, all decrypt.
      encryptionKeys: z
        .array(encryptionKeySchema)
        .default([])
        .superRefine((keys, ctx) => {
          const seen = new Set<string>();
          keys.forEach((entry, index) => {
            if (seen.has(entry.id))
              ctx.addIssue({
                code: 'custom',
                path: [index, 'id'],
                message: `key id ${entry.id} is listed twice`,
              });
            seen.add(entry.id);
          });
        }),
    })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<
  z.output<typeof configSchema> & {
    /** Derived from api.listenAddr (and PORT / --port). */
    http: { host: string; port: number };
  }
>;
export type QueueConfig = z.output<typeof queueSchema>;
export type TokenConfig = z.output<typeof tokenSchema>;
export type ExternalTypeConfig = z.output<typeof externalTypeSchema>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
