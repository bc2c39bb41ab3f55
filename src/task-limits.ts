/**
 * Every limit of an enqueued task, written once. The engine checks them (engine/enqueue.ts), the
 * HTTP schema shows them in the OpenAPI document, config.yaml checks its queue names and task
 * durations with them, and the README lists them. This module imports nothing, so config/,
 * engine/ and api/ may all depend on it without an arrow pointing back.
 */

/** A queue name: it appears in URLs (`/queues/{name}`), metrics labels and NOTIFY channels. */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const QUEUE_NAME_RULE = 'a queue name of 1-64 letters, digits, "_", "." or "-"';

export const MAX_TASK_TYPE_LENGTH = 100;

/**
 * A dedupe key: a composite id ("customer:42:invoice:2026-12") fits, and 512 characters of up to
 * 4 bytes each stay under the 2,704-byte limit of a btree entry in the (queue, dedupe_key) index.
 */
export const MAX_DEDUPE_KEY_LENGTH = 512;

/** A concurrency key: an account or tenant id, not a document. */
export const MAX_CONCURRENCY_KEY_LENGTH = 200;

export const MAX_RETRIES = 1000;

/** Most parents one task may list in dependsOn. */
export const MAX_PARENTS = 100;

/**
 * The longest backoff and timeout (and any duration in config.yaml): they are stored as
 * PostgreSQL integers of milliseconds and a timeout runs as a Node timer, both capped at 2^31-1
 * ms, about 24.8 days.
 */
export const MAX_DURATION_MS = 2_147_483_647;
export const MAX_DURATION_RULE = 'about 24.8 days (2147483647 ms)';

/**
 * The longest `delay`: ten years. A delay is stored only as the task's run time (a timestamp, no
 * 24-day limit) and no timer waits for it: the task stays in PostgreSQL until it is due.
 */
export const MAX_DELAY_MS = 10 * 365 * 24 * 3_600_000;
export const MAX_DELAY_RULE = '10 years (87600h)';

/** Longest unique window (uniqueFor): a year. */
export const MAX_UNIQUE_FOR_MS = 366 * 24 * 3_600_000;
export const MAX_UNIQUE_FOR_RULE = '366 days';
