import type { ServiceProcess } from '../faults/support/service.js';
import type { AckLog } from './checker.js';
import type { Random } from './random.js';

const KEYS = 40;
const MAX_IN_FLIGHT = 24;
/** A request to a stopped instance waits until it resumes; one that takes longer is given up (unacknowledged). */
const REQUEST_TIMEOUT_MS = 20_000;

interface Sent {
  id: string;
  doomed: boolean;
  at: number;
}

/**
 * A steady mixed load over HTTP on whichever instances run: single tasks and batches; short, long,
 * flaky (succeed after retries) and doomed (dead with their attempts spent) tasks; dedupe keys
 * from a small set, so duplicates happen; cancels of recent tasks and manual retries of doomed
 * ones. Only acknowledged answers go into the log the checker holds the database to.
 */
export class Load {
  readonly acks: AckLog = { enqueued: [], duplicates: [], cancels: [], retries: [] };
  readonly answers = new Map<string, number>();
  /** Answers 5xx other than 503 (the database is away, retry): each one is a finding. */
  readonly serverErrors: string[] = [];
  #sent: Sent[] = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #pending = new Set<Promise<void>>();

  constructor(
    private readonly random: Random,
    private readonly targets: () => ServiceProcess[],
    private readonly tickMs = 100,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.#tick(), this.tickMs);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#pending);
  }

  #tick(): void {
    if (this.#inFlight >= MAX_IN_FLIGHT) return;
    const targets = this.targets();
    if (targets.length === 0) return;
    const target = this.random.pick(targets);
    const roll = this.random.next();
    let work: Promise<void>;
    if (roll < 0.45) work = this.#enqueue(target, 1);
    else if (roll < 0.8) work = this.#enqueue(target, this.random.int(2, 15));
    else if (roll < 0.9) work = this.#cancel(target);
    else work = this.#retry(target);
    this.#inFlight++;
    const tracked = work
      .catch((error: unknown) => this.#count(`error ${(error as Error).name}`))
      .finally(() => {
        this.#inFlight--;
        this.#pending.delete(tracked);
      });
    this.#pending.add(tracked);
  }

  #task(): { body: Record<string, unknown>; doomed: boolean; key?: string } {
    const roll = this.random.next();
    let body: Record<string, unknown>;
    let doomed = false;
    if (roll < 0.55) body = { taskType: 'SoakTask', payload: { ms: this.random.int(5, 50) } };
    else if (roll < 0.7) body = { taskType: 'SoakTask', payload: { ms: this.random.int(1_500, 4_000) } };
    else if (roll < 0.88) {
      body = {
        taskType: 'SoakTask',
        payload: { ms: this.random.int(10, 100), failTimes: this.random.int(1, 2) },
      };
    } else {
      body = { taskType: 'SoakTask', payload: { ms: 10, failTimes: 99 }, maxRetries: 1 };
      doomed = true;
    }
    body.priority = this.random.int(0, 5);
    let key: string | undefined;
    if (this.random.next() < 0.15) {
      key = `k${this.random.int(0, KEYS - 1)}`;
      body.key = key;
    }
    return { body, doomed, key };
  }

  async #enqueue(target: ServiceProcess, count: number): Promise<void> {
    const tasks = Array.from({ length: count }, () => this.#task());
    const answer = await this.#post(target, '/tasks/enqueue', { tasks: tasks.map((task) => task.body) });
    if (answer.status !== 202) return;
    const body = answer.body as {
      tasks: Array<{ index: number; id: string; queue: string }>;
      duplicateKeys: string[];
    };
    const now = Date.now();
    for (const accepted of body.tasks) {
      const sent = tasks[accepted.index];
      this.acks.enqueued.push({ id: accepted.id, queue: accepted.queue, key: sent?.key });
      this.#sent.push({ id: accepted.id, doomed: sent?.doomed ?? false, at: now });
    }
    for (const key of body.duplicateKeys) this.acks.duplicates.push({ queue: 'default', key });
    if (this.#sent.length > 5_000) this.#sent.splice(0, 1_000);
  }

  async #cancel(target: ServiceProcess): Promise<void> {
    const recent = this.#sent.slice(-200);
    if (recent.length === 0) return;
    const { id } = this.random.pick(recent);
    const answer = await this.#post(target, `/task/${id}/cancel`);
    if (answer.status === 200) this.acks.cancels.push(id);
  }

  async #retry(target: ServiceProcess): Promise<void> {
    const doomed = this.#sent.filter((sent) => sent.doomed && Date.now() - sent.at > 3_000);
    if (doomed.length === 0) return;
    const { id } = this.random.pick(doomed.slice(-100));
    const answer = await this.#post(target, `/task/${id}/retry`);
    if (answer.status === 200) this.acks.retries.push(id);
  }

  async #post(
    target: ServiceProcess,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const answer = await target.request(path, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    this.#count(`${path.startsWith('/tasks/enqueue') ? 'enqueue' : path.split('/').at(-1)} ${answer.status}`);
    if (answer.status >= 500 && answer.status !== 503) {
      const requestId = answer.headers.get('x-request-id');
      const logged = target.logs.find(
        (line) => line.requestId === requestId && line.msg === 'request failed',
      );
      this.serverErrors.push(
        `${target.name} POST ${path} answered ${answer.status} ${JSON.stringify(answer.body)}; ` +
          `logged: ${JSON.stringify(logged?.err ?? null).slice(0, 1500)}`,
      );
    }
    return answer;
  }

  #count(what: string): void {
    this.answers.set(what, (this.answers.get(what) ?? 0) + 1);
  }
}
