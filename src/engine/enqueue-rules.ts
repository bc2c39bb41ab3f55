import type { NewTask } from '../model/task.js';
import {
  MAX_CONCURRENCY_KEY_LENGTH,
  MAX_DEDUPE_KEY_LENGTH,
  MAX_DELAY_MS,
  MAX_DELAY_RULE,
  MAX_DURATION_MS,
  MAX_DURATION_RULE,
  MAX_RETRIES,
  MAX_TASK_TYPE_LENGTH,
  MAX_UNIQUE_FOR_MS,
  MAX_UNIQUE_FOR_RULE,
  QUEUE_NAME_PATTERN,
  QUEUE_NAME_RULE,
} from '../task-limits.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { TaskHandler } from '../tasks/task-handler.js';
import { checkParents, type ParentRefs } from './dependencies.js';
import type { EngineConfig } from './types.js';

/** One problem of a batch: the task's index and the field, named as the HTTP API names it. */
export interface ValidationIssue {
  index: number;
  path: string;
  message: string;
}

/** What the rules resolved for a task that passed them. */
export interface CheckedTask {
  handler: TaskHandler;
  /** The payload as its schema parsed it: parsed once, here, and never again. */
  payload: unknown;
  payloadJson: string;
  queue: string;
  parents: ParentRefs | undefined;
}

export interface RuleOptions {
  registry: TaskRegistry;
  config: EngineConfig;
}

const UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

/**
 * Every rule of an enqueued task, in one place: the library, the HTTP API, the seed APIs and
 * schedules all reach it through `prepareBatch`. The HTTP schema only describes these limits
 * (from the same constants in task-limits.ts) for its OpenAPI document. Reports each problem
 * through `issue`; returns undefined when the type is unknown (nothing else can be checked).
 */
export function checkTask(
  task: NewTask,
  index: number,
  options: RuleOptions,
  issue: (path: string, message: string) => void,
): CheckedTask | undefined {
  const { registry, config } = options;
  const handler = registry.get(task.type);
  if (!handler) {
    issue(
      'taskType',
      `unknown task type "${String(task.type).slice(0, MAX_TASK_TYPE_LENGTH)}"; known types: ${registry.types().join(', ')}`,
    );
    return undefined;
  }
  const parsed = handler.payloadSchema.safeParse(task.payload ?? {});
  if (!parsed.success) {
    for (const problem of parsed.error.issues) {
      issue(['payload', ...problem.path.map(String)].join('.'), problem.message);
    }
  }
  const payload = parsed.success ? parsed.data : task.payload;
  const payloadJson = JSON.stringify(payload ?? {});
  const { minPriority, maxPriority } = config.queue;
  const priority = task.priority ?? 0;
  if (!Number.isInteger(priority) || priority < minPriority || priority > maxPriority) {
    issue('priority', `priority must be a whole number from ${minPriority} to ${maxPriority}`);
  }
  const queue = task.queue ?? handler.external?.queue ?? 'default';
  if (typeof queue !== 'string' || !QUEUE_NAME_PATTERN.test(queue)) issue('queue', QUEUE_NAME_RULE);
  else if (handler.external && queue !== handler.external.queue) {
    issue('queue', `${task.type} is an external type; its tasks go to queue "${handler.external.queue}"`);
  } else if (!handler.external && registry.externalQueues().has(queue)) {
    issue('queue', `queue "${queue}" holds external types only; no node here would run ${task.type} from it`);
  }
  checkKey(task.dedupeKey, MAX_DEDUPE_KEY_LENGTH, (message) => issue('key', `key ${message}`));
  checkKey(task.concurrencyKey, MAX_CONCURRENCY_KEY_LENGTH, (message) =>
    issue('concurrencyKey', `concurrencyKey ${message}`),
  );
  const { maxRetries } = task;
  if (maxRetries !== undefined && !isWholeIn(maxRetries, 0, MAX_RETRIES)) {
    issue('maxRetries', `maxRetries must be a whole number from 0 to ${MAX_RETRIES}`);
  }
  checkDuration(task.backoffMs, { max: MAX_DURATION_MS, rule: MAX_DURATION_RULE }, (message) =>
    issue('backOffDuration', `backOffDuration ${message}`),
  );
  checkDuration(
    task.timeoutMs,
    { positive: true, max: MAX_DURATION_MS, rule: MAX_DURATION_RULE },
    (message) => issue('timeout', `timeout ${message}`),
  );
  checkDuration(task.delayMs, { max: MAX_DELAY_MS, rule: MAX_DELAY_RULE }, (message) =>
    issue('delay', `delay ${message}`),
  );
  // JSON.stringify writes NUL and lone surrogates as escapes; PostgreSQL's jsonb refuses both.
  if (UNSTORABLE_ESCAPE.test(payloadJson)) {
    issue('payload', 'strings must not contain NUL (\\u0000) characters or lone surrogates');
  }
  if (task.runAt !== undefined && !(task.runAt instanceof Date && Number.isFinite(task.runAt.getTime()))) {
    issue('runAt', 'runAt must be a valid date');
  }
  if (task.runAt !== undefined && task.delayMs !== undefined) {
    issue('delay', 'give runAt or delay, not both');
  }
  const parents = checkParents(task, index, issue);
  if (task.uniqueForMs !== undefined) {
    if (task.dedupeKey === undefined) issue('uniqueFor', 'uniqueFor needs a key (the key it keeps taken)');
    checkDuration(
      task.uniqueForMs,
      { positive: true, max: MAX_UNIQUE_FOR_MS, rule: MAX_UNIQUE_FOR_RULE },
      (message) => issue('uniqueFor', `uniqueFor ${message}`),
    );
  }
  return { handler, payload, payloadJson, queue, parents };
}

/**
 * The rules of a whole batch without storing anything, for a caller that could read only some
 * of its tasks (the HTTP API, when some fields had the wrong JSON type): an undefined entry is
 * skipped but keeps its index, so dependsOn indexes still mean what they say.
 */
export function checkBatch(
  tasks: ReadonlyArray<NewTask | undefined>,
  options: RuleOptions,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  tasks.forEach((task, index) => {
    if (task) checkTask(task, index, options, (path, message) => issues.push({ index, path, message }));
  });
  return issues;
}

function isWholeIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Durations are whole milliseconds; `rule` says the limit in words, as the README does. */
function checkDuration(
  ms: number | undefined,
  limit: { positive?: boolean; max: number; rule: string },
  issue: (message: string) => void,
): void {
  if (ms === undefined || isWholeIn(ms, limit.positive ? 1 : 0, limit.max)) return;
  issue(`must be a duration ${limit.positive ? 'above 0 and ' : ''}up to ${limit.rule}`);
}

function checkKey(key: string | undefined, maxLength: number, issue: (message: string) => void): void {
  if (key === undefined) return;
  if (typeof key !== 'string' || key.length === 0 || key.length > maxLength) {
    issue(`must be 1-${maxLength} characters`);
  } else if (key.includes('\u0000') || !key.isWellFormed()) {
    issue('must not contain NUL (\\u0000) characters or lone surrogates');
  }
}
