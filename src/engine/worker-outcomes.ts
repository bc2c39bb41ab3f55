import type { EngineStore, LeaseHolder, OutcomeWrite } from '../db/engine-store.js';
import type { TaskStore } from '../db/task-store.js';
import type { EventBus } from '../events/event-bus.js';
import type { TaskLifecycleEvent } from '../events/task-event.js';
import type { Clock } from '../model/clock.js';
import type { TaskStatus } from '../model/task.js';
import { PermanentError } from '../tasks/task-handler.js';
import { Coalescer } from './coalescer.js';
import { taskEvent } from './lifecycle-event.js';
import { decideOutcome, describeError, serializeResult } from './outcome.js';
import type { QueueLimits } from './queue-limits.js';
import { EngineError } from './types.js';
import type { WorkSignal } from './work-signal.js';

/** What the HTTP worker protocol's engine side works with (leases and their outcomes alike). */
export interface WorkerServices {
  /** The lease statements (claim, extend, expire, find) and the fenced outcome write. */
  engineStore: EngineStore;
  store: TaskStore;
  events: EventBus;
  signal: WorkSignal;
  limits: QueueLimits;
  /** Leases, starts and expiry follow it; a claim's long poll and its pacing stay on real time. */
  clock: Clock;
}

/** An HTTP worker's failure answer: retried (after `retryInMs` or the backoff) or dead. */
export interface FailRequest {
  id: string;
  token: string;
  error: string;
  retryable: boolean;
  retryInMs?: number;
}

export interface OutcomeAnswer {
  id: string;
  status: TaskStatus;
  attempt: number;
  /** For retrying: when it may run again. */
  runAt?: Date;
}

interface Outcome {
  toStatus: TaskStatus;
  error: string | null;
  resultJson: string | null;
  retryDelayMs: number;
}

/** One answer to write: fenced by its token's lease, or by a lease this node already holds. */
interface OutcomeRequest {
  id: string;
  token?: string;
  lease?: LeaseHolder;
  decide(lease: LeaseHolder): Outcome;
}

/** Answers written in one statement at most (and leases looked up in one). */
const MAX_BATCH = 200;

/**
 * The HTTP workers' complete and fail. Each answer is fenced by its lease (id, token, attempt,
 * status, locked_by) through the same statement as this node's own outcomes, so a late or stale
 * one changes nothing and gets lease_lost. Answers arriving together are looked up and written
 * together: one lookup and one write for a batch, instead of two statements per task.
 */
export class WorkerOutcomes {
  readonly #services: WorkerServices;
  readonly #leaseMs: number;
  readonly #batches: Coalescer<OutcomeRequest, OutcomeAnswer>;

  constructor(options: WorkerServices & { leaseMs: number }) {
    this.#services = options;
    this.#leaseMs = options.leaseMs;
    this.#batches = new Coalescer({
      flush: (requests) => this.#writeBatch(requests),
      keyOf: (request) => request.id,
      maxBatch: MAX_BATCH,
    });
  }

  async complete(options: { id: string; token: string; result?: unknown }): Promise<OutcomeAnswer> {
    const serialized = serializeResult(options.result ?? null);
    if (serialized instanceof Error) throw new EngineError('validation_failed', serialized.message);
    const { cipher } = this.#services.store;
    const resultJson = cipher && serialized !== 'null' ? cipher.seal(serialized) : serialized;
    return this.#batches.submit({
      id: options.id,
      token: options.token,
      decide: () => ({ toStatus: 'succeeded', error: null, resultJson, retryDelayMs: 0 }),
    });
  }

  fail(options: FailRequest): Promise<OutcomeAnswer> {
    return this.#batches.submit({
      id: options.id,
      token: options.token,
      decide: (lease) => {
        const thrown = options.retryable ? new Error(options.error) : new PermanentError(options.error);
        const outcome = decideOutcome({
          error: thrown,
          attempt: lease.attempts,
          maxAttempts: lease.maxAttempts,
          backoffMs: lease.backoffMs,
        });
        return {
          toStatus: outcome.toStatus,
          error: describeError(new Error(options.error)),
          resultJson: null,
          retryDelayMs: options.retryInMs ?? outcome.retryDelayMs,
        };
      },
    });
  }

  /** Ends an attempt this node just leased (a payload it cannot open): dead, saying why. */
  failLeased(lease: LeaseHolder, error: string): Promise<OutcomeAnswer> {
    return this.#batches.submit({
      id: lease.id,
      lease,
      decide: () => ({ toStatus: 'dead', error, resultJson: null, retryDelayMs: 0 }),
    });
  }

  async #writeBatch(requests: OutcomeRequest[]): Promise<Array<OutcomeAnswer | Error>> {
    const toLookUp = requests.filter((request) => !request.lease);
    const found =
      toLookUp.length > 0
        ? await this.#services.engineStore.findLeases({
            leases: toLookUp.map((request) => ({ id: request.id, token: request.token ?? '' })),
            leaseMs: this.#leaseMs,
            now: this.#services.clock.sqlNow(),
          })
        : new Map<string, LeaseHolder>();
    const finishedAt = new Date(this.#services.clock.now());
    const planned: Array<{ lease: LeaseHolder; outcome: Outcome } | undefined> = requests.map((request) => {
      const lease = request.lease ?? found.get(request.id);
      return lease ? { lease, outcome: request.decide(lease) } : undefined;
    });
    const writes = planned.flatMap((plan): OutcomeWrite[] =>
      plan ? [outcomeWrite(plan.lease, plan.outcome, finishedAt)] : [],
    );
    const written = await this.#services.engineStore.writeOutcomes(
      null,
      writes,
      this.#services.clock.sqlNow(),
    );
    const events: TaskLifecycleEvent[] = [];
    const answers = await Promise.all(
      requests.map(async (request, index): Promise<OutcomeAnswer | Error> => {
        const plan = planned[index];
        // No live lease, or the fence moved between the lookup and the write: lost.
        if (!plan || !written.has(request.id)) return this.lost(request.id);
        events.push(outcomeEvent(plan.lease, plan.outcome, finishedAt));
        const { toStatus, retryDelayMs } = plan.outcome;
        // A retry waits to be claimed again; a limited queue's outcome freed a key's slot.
        if (toStatus === 'retrying' || this.#services.limits.isLimited(plan.lease.queue))
          this.#services.signal.wake(plan.lease.queue);
        return {
          id: request.id,
          status: toStatus,
          attempt: plan.lease.attempts,
          ...(toStatus === 'retrying' ? { runAt: new Date(finishedAt.getTime() + retryDelayMs) } : {}),
        };
      }),
    );
    if (events.length > 0) this.#services.events.publish(events);
    return answers;
  }

  /** lease_lost, or task_not_found when there is no such task at all. */
  async lost(id: string): Promise<EngineError> {
    const task = await this.#services.store.getTask(id);
    if (!task) return new EngineError('task_not_found', `no task with id ${id}`);
    return new EngineError(
      'lease_lost',
      `this lease no longer holds task ${id} (it expired, was cancelled or the task moved on; it is ${task.status} now): stop working on it`,
    );
  }
}

function outcomeWrite(lease: LeaseHolder, outcome: Outcome, finishedAt: Date): OutcomeWrite {
  return {
    id: lease.id,
    attempt: lease.attempts,
    fromStatus: 'running',
    toStatus: outcome.toStatus,
    started: false,
    startedAt: null,
    finishedAt: outcome.toStatus === 'retrying' ? null : finishedAt.toISOString(),
    result: outcome.resultJson,
    error: outcome.error,
    retryDelayMs: outcome.retryDelayMs,
    keepLock: false,
    refund: false,
    progress: null,
    lockedBy: lease.lockedBy,
  };
}

function outcomeEvent(lease: LeaseHolder, outcome: Outcome, finishedAt: Date): TaskLifecycleEvent {
  const { toStatus, error } = outcome;
  return taskEvent(lease, {
    kind: toStatus === 'succeeded' ? 'succeeded' : toStatus === 'dead' ? 'dead' : 'retrying',
    attempt: lease.attempts,
    at: finishedAt.toISOString(),
    nodeId: lease.lockedBy,
    durationMs: finishedAt.getTime() - lease.startedAt.getTime(),
    error,
  });
}
