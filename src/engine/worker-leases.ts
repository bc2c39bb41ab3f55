import { randomBytes } from 'node:crypto';
import type { ExpiredLease, WorkerRow } from '../db/engine-store.js';
import { isSealed, openStored } from '../db/payload-cipher.js';
import type { LeasedTask } from '../model/task.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { checkProgress } from '../tasks/task-handler.js';
import { taskEvent } from './lifecycle-event.js';
import { type EngineConfig, EngineError } from './types.js';
import {
  type FailRequest,
  type OutcomeAnswer,
  WorkerOutcomes,
  type WorkerServices,
} from './worker-outcomes.js';

export type { OutcomeAnswer } from './worker-outcomes.js';

export const MAX_CLAIM = 100;
export const MAX_CLAIM_WAIT_MS = 30_000;
/** GET /workers lists the workers heard from within this window. */
const WORKERS_SEEN_WITHIN_MS = 15 * 60_000;
/** A worker's last-seen time is written at most this often per node (claims may long-poll in a loop). */
const TOUCH_EVERY_MS = 1000;

export interface ClaimRequest {
  worker: string;
  types: readonly string[];
  queues?: readonly string[];
  max: number;
  waitMs: number;
  /** The HTTP request's signal: a client that hung up stops waiting. */
  signal?: AbortSignal;
}

/**
 * The HTTP worker protocol's engine side. A claim starts tasks for a named worker with a lease
 * per task; heartbeats extend it; complete and fail write the outcome through the same fenced
 * statement as this node's own workers (writeOutcomes: id, attempt, status, locked_by), so a
 * late or stale answer changes nothing. Expired leases are freed by every node's lease round
 * like a dead node's tasks.
 */
export class WorkerLeases {
  readonly #services: WorkerServices;
  readonly #config: EngineConfig;
  readonly #registry: TaskRegistry;
  readonly #touchedAt = new Map<string, number>();
  readonly #outcomes: WorkerOutcomes;
  #limitsReadAt = 0;
  /** Which of a multi-queue claim's queues is read first (rotates per claim). */
  #rotation = 0;
  /** Tasks handed out by this node, for the starvation rule (every Nth is the oldest waiting). */
  #handedOut = 0;

  constructor(options: WorkerServices & { config: EngineConfig; registry: TaskRegistry }) {
    this.#services = options;
    this.#config = options.config;
    this.#registry = options.registry;
    this.#outcomes = new WorkerOutcomes({ ...options, leaseMs: this.leaseMs });
  }

  /** Claims long-polling on this node now. */
  get waitingClaims(): number {
    return this.#services.signal.waiting;
  }

  get leaseMs(): number {
    return this.#config.lease.timeout;
  }

  /** Long poll: answers as soon as a task is claimed, or with none when `waitMs` ends. */
  async claim(request: ClaimRequest): Promise<LeasedTask[]> {
    const queues = this.#queuesOf(request);
    // Real time: how long an HTTP request is held open, not a decision about a task.
    const deadline = Date.now() + Math.min(request.waitMs, MAX_CLAIM_WAIT_MS);
    await this.#touch(request.worker);
    for (;;) {
      const tasks = await this.#claimOnce(request, queues);
      if (tasks.length > 0 || request.signal?.aborted) return tasks;
      const left = deadline - Date.now();
      if (left <= 0) return tasks;
      await this.#services.signal.wait(
        queues,
        Math.min(left, this.#config.queue.pollInterval),
        request.signal,
      );
      // A client that hung up (a worker stopping) must not be handed tasks nobody will answer for:
      // they would sit leased until the lease expired and spend an attempt as "worker lost".
      if (request.signal?.aborted) return [];
      await this.#touch(request.worker);
    }
  }

  /** Extends the lease; EngineError lease_lost once it expired, was rescued or the task cancelled. */
  async heartbeat(options: {
    id: string;
    token: string;
    progress?: { fraction: number; message?: string };
  }): Promise<Date> {
    const at = this.#at();
    const progress = options.progress
      ? checkProgress(options.progress.fraction, options.progress.message)
      : undefined;
    const extended = await this.#services.engineStore.extendLease({
      id: options.id,
      token: options.token,
      leaseMs: this.leaseMs,
      now: this.#services.clock.sqlNow(),
      // Stored as a handler's ctx.progress is: {fraction, message, at}.
      ...(progress ? { progressJson: JSON.stringify({ ...progress, at }) } : {}),
    });
    if (!extended) throw await this.#outcomes.lost(options.id);
    if (progress) {
      this.#services.events.publish([
        taskEvent(
          { ...extended, id: options.id },
          {
            kind: 'progress',
            attempt: extended.attempt,
            nodeId: extended.lockedBy,
            at,
            progress: progress.fraction,
            progressMessage: progress.message,
          },
        ),
      ]);
    }
    return extended.expiresAt;
  }

  complete(options: { id: string; token: string; result?: unknown }): Promise<OutcomeAnswer> {
    return this.#outcomes.complete(options);
  }

  fail(options: FailRequest): Promise<OutcomeAnswer> {
    return this.#outcomes.fail(options);
  }

  workers(): Promise<WorkerRow[]> {
    return this.#services.engineStore.listWorkers({
      withinMs: WORKERS_SEEN_WITHIN_MS,
      now: this.#services.clock.sqlNow(),
    });
  }

  /** One expiry round (every node's lease keeper runs it after its rescue of stale nodes). */
  async expireRound(): Promise<ExpiredLease[]> {
    const expired = await this.#services.engineStore.expireLeases({
      leaseMs: this.leaseMs,
      now: this.#services.clock.sqlNow(),
    });
    if (expired.length === 0) return expired;
    const at = this.#at();
    this.#services.events.publish(
      expired.map((task) =>
        taskEvent(task, {
          kind: task.status,
          attempt: task.attempts,
          at,
          nodeId: task.lockedBy,
          error: task.error,
        }),
      ),
    );
    for (const queue of new Set(expired.map((task) => task.queue))) this.#services.signal.wake(queue);
    return expired;
  }

  #queuesOf(request: ClaimRequest): Set<string> {
    const problems: Array<{ field: string; message: string }> = [];
    const typeQueues = new Set<string>();
    request.types.forEach((type, index) => {
      const handler = this.#registry.get(type);
      if (!handler?.external) {
        const external = this.#registry.handlers().filter((candidate) => candidate.external);
        problems.push({
          field: `types.${index}`,
          message: handler
            ? `${type} runs on the nodes themselves; HTTP workers claim external types only`
            : `unknown external type "${type.slice(0, 100)}"; external types: ${external.map((h) => h.type).join(', ') || 'none (see tasks.external)'}`,
        });
      } else typeQueues.add(handler.external.queue);
    });
    const queues = request.queues ? new Set(request.queues) : typeQueues;
    request.queues?.forEach((queue, index) => {
      if (!typeQueues.has(queue))
        problems.push({ field: `queues.${index}`, message: `no requested type goes to queue "${queue}"` });
    });
    if (problems.length > 0) throw new EngineError('validation_failed', 'the claim is invalid', problems);
    return queues;
  }

  async #claimOnce(request: ClaimRequest, queues: ReadonlySet<string>): Promise<LeasedTask[]> {
    const every = this.#config.queue.starvationEvery;
    const oldest =
      every > 0
        ? Math.floor((this.#handedOut + request.max) / every) - Math.floor(this.#handedOut / every)
        : 0;
    // A node that runs no tasks of its own hears no queue NOTIFY: re-read the limits here.
    if (Date.now() - this.#limitsReadAt >= this.#config.queue.pollInterval) {
      this.#limitsReadAt = Date.now();
      this.#services.limits.update(await this.#services.store.queueStates());
    }
    // Queue by queue (each claim reads one queue's ready index in order), starting at a rotating
    // queue so a worker of several queues does not drain the first before the others.
    const plain = [...queues].filter((queue) => !this.#services.limits.isLimited(queue));
    const tasks: LeasedTask[] = [];
    let oldestLeft = oldest;
    for (let offset = 0; offset < plain.length && tasks.length < request.max; offset++) {
      const queue = plain[(this.#rotation + offset) % plain.length]!;
      const room = request.max - tasks.length;
      const claimed = await this.#services.engineStore.claimLeases({
        worker: request.worker,
        types: request.types,
        queue,
        byPriority: room - Math.min(oldestLeft, room),
        oldest: Math.min(oldestLeft, room),
        leaseMs: this.leaseMs,
        secret: randomBytes(24).toString('base64url'),
        now: this.#services.clock.sqlNow(),
      });
      oldestLeft = 0;
      tasks.push(...claimed);
    }
    this.#rotation = (this.#rotation + 1) % 1_000_000;
    for (const queue of queues) {
      const room = request.max - tasks.length;
      if (room <= 0) break;
      if (!this.#services.limits.isLimited(queue)) continue;
      tasks.push(...(await this.#claimLimited(request, queue, room)));
    }
    const opened = await this.#openPayloads(tasks);
    this.#handedOut += opened.length;
    return this.#announce(opened);
  }

  /**
   * Decrypts the claimed payloads for the worker. A payload that cannot be decrypted (its key is
   * not configured, or wrong) is never handed out: the task goes dead at once, saying why.
   */
  async #openPayloads(tasks: LeasedTask[]): Promise<LeasedTask[]> {
    const { cipher } = this.#services.store;
    if (!cipher && !tasks.some((task) => isSealed(task.payload))) return tasks;
    const opened: LeasedTask[] = [];
    for (const task of tasks) {
      try {
        opened.push({ ...task, payload: openStored(cipher, task.payload, `payload of task ${task.id}`) });
      } catch (error) {
        await this.#outcomes
          .failLeased(
            {
              id: task.id,
              queue: task.queue,
              type: task.type,
              priority: task.priority,
              attempts: task.attempt,
              maxAttempts: task.attempt,
              backoffMs: 0,
              lockedBy: task.lockedBy,
              startedAt: task.startedAt,
            },
            (error as Error).message,
          )
          .catch(() => {});
      }
    }
    return opened;
  }

  #announce(tasks: LeasedTask[]): LeasedTask[] {
    if (tasks.length > 0) {
      const at = this.#at();
      this.#services.events.publish(
        tasks.map((task) =>
          taskEvent(task, {
            kind: 'started',
            attempt: task.attempt,
            at,
            nodeId: task.lockedBy,
            waitMs: task.waitMs,
          }),
        ),
      );
    }
    return tasks;
  }

  /** A limited queue's claim: booked against its limits (pickLimited), then leased, in one transaction. */
  #claimLimited(request: ClaimRequest, queue: string, room: number): Promise<LeasedTask[]> {
    return this.#services.engineStore.leaseLimited({
      queue,
      limit: room,
      limits: this.#services.limits.of(queue),
      types: request.types,
      worker: request.worker,
      leaseMs: this.leaseMs,
      secret: randomBytes(24).toString('base64url'),
      now: this.#services.clock.sqlNow(),
    });
  }

  async #touch(worker: string): Promise<void> {
    // Real time paces the writes; the time written is the clock's.
    const now = Date.now();
    if (now - (this.#touchedAt.get(worker) ?? 0) < TOUCH_EVERY_MS) return;
    this.#touchedAt.set(worker, now);
    if (this.#touchedAt.size > 10_000) this.#touchedAt.clear();
    await this.#services.engineStore.touchWorkers([worker], this.#services.clock.sqlNow());
  }

  /** An event's timestamp, by the clock. */
  #at(): string {
    return new Date(this.#services.clock.now()).toISOString();
  }
}
