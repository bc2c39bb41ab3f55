import type pg from 'pg';
import { type Cluster, LEASE_MS, type Slot } from './cluster.js';
import type { PostgresServer } from './postgres-server.js';
import type { Random } from './random.js';

export const FAULT_KINDS = ['kill9', 'pause', 'sigterm', 'backends', 'pgRestart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_NAMES: Record<FaultKind, string> = {
  kill9: 'kill -9 + restart of an instance',
  pause: 'SIGSTOP past the lease, then SIGCONT',
  sigterm: 'SIGTERM (graceful) + restart',
  backends: "the service's backends terminated (pg_terminate_backend)",
  pgRestart: 'PostgreSQL server stopped and started',
};

/** At most this many instances in a fault at once, so the service as a whole keeps answering. */
const MAX_INSTANCES_IN_FAULT = 2;

/**
 * The seeded schedule: `perKind` faults of every kind, shuffled, spread evenly over the load
 * window with jitter. Each fault waits for a free target (an instance not already in a fault;
 * the database not already restarting) and runs alongside the load and other faults.
 */
export class FaultSchedule {
  readonly injected: Record<FaultKind, number> = {
    kill9: 0,
    pause: 0,
    sigterm: 0,
    backends: 0,
    pgRestart: 0,
  };
  readonly errors: string[] = [];
  #stopped = false;
  #running = new Set<Promise<void>>();
  #databaseBusy = false;

  constructor(
    private readonly options: {
      random: Random;
      cluster: Cluster;
      server: PostgresServer;
      admin: () => pg.Pool;
      database: string;
      perKind: number;
      log: (line: string) => void;
    },
  ) {}

  /** Runs the schedule over `windowMs`; resolves when every fault was started and has ended. */
  async run(windowMs: number): Promise<void> {
    const { random, perKind } = this.options;
    const bag = random.shuffle(FAULT_KINDS.flatMap((kind) => Array.from({ length: perKind }, () => kind)));
    const spacing = windowMs / (bag.length + 1);
    const began = Date.now();
    for (const [index, kind] of bag.entries()) {
      if (this.#stopped) break;
      const due = began + spacing * (index + 1) + (random.next() - 0.5) * spacing * 0.6;
      while (Date.now() < due && !this.#stopped) await sleep(Math.min(100, due - Date.now()));
      const fault = this.#inject(kind, began + windowMs);
      this.#running.add(fault);
      void fault.finally(() => this.#running.delete(fault));
      // Faults overlap, but one is injected at a time: wait until this one found its target.
      await this.#targetFound;
    }
    await Promise.all(this.#running);
  }

  stop(): void {
    this.#stopped = true;
  }

  #targetFound: Promise<void> = Promise.resolve();

  #inject(kind: FaultKind, windowEnd: number): Promise<void> {
    let found: () => void = () => {};
    this.#targetFound = new Promise((resolve) => {
      found = resolve;
    });
    return this.#do(kind, windowEnd, found)
      .catch((error: unknown) => {
        this.errors.push(`${kind}: ${(error as Error).stack ?? String(error)}`);
      })
      .finally(found);
  }

  async #do(kind: FaultKind, windowEnd: number, found: () => void): Promise<void> {
    const { random, cluster } = this.options;
    if (kind === 'backends' || kind === 'pgRestart') {
      while (this.#databaseBusy || !this.options.server.up) {
        if (this.#stopped || Date.now() > windowEnd) return;
        await sleep(100);
      }
      this.#databaseBusy = true;
      found();
      try {
        this.injected[kind]++;
        if (kind === 'backends') await this.#terminateBackends();
        else {
          const mode = random.next() < 0.5 ? 'fast' : 'immediate';
          this.options.log(`fault: PostgreSQL stop (${mode})`);
          await this.options.server.stop(mode);
          await sleep(random.int(300, 2_000));
          await this.options.server.start();
        }
      } finally {
        this.#databaseBusy = false;
      }
      return;
    }
    let slot: Slot | undefined;
    for (;;) {
      const inFault = cluster.slots.filter((candidate) => candidate.busy).length;
      const free = cluster.slots.filter((candidate) => !candidate.busy && candidate.service);
      if (inFault < MAX_INSTANCES_IN_FAULT && free.length > 0) {
        slot = random.pick(free);
        break;
      }
      if (this.#stopped || Date.now() > windowEnd) return;
      await sleep(100);
    }
    const service = slot.service;
    if (!service) return;
    slot.busy = true;
    found();
    try {
      this.injected[kind]++;
      this.options.log(`fault: ${kind} ${slot.name}`);
      if (kind === 'pause') {
        if (!service.signal('SIGSTOP')) return;
        await sleep(LEASE_MS + random.int(500, 2_000));
        service.signal('SIGCONT');
        return;
      }
      slot.expectingExit = true;
      if (!service.signal(kind === 'kill9' ? 'SIGKILL' : 'SIGTERM')) return;
      const exited = await Promise.race([service.exited, sleep(30_000).then(() => undefined)]);
      if (!exited) {
        this.errors.push(`${slot.name} did not exit within 30 s of ${kind}`);
        await service.destroy();
      } else if (kind === 'sigterm' && exited.code !== 0) {
        this.errors.push(
          `${slot.name} exited with code ${exited.code} (signal ${exited.signal}) after SIGTERM`,
        );
      }
      await cluster.start(slot);
    } finally {
      slot.busy = false;
    }
  }

  async #terminateBackends(): Promise<void> {
    const { rows } = await this.options.admin().query<{ n: number }>(
      `select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity
       where datname = $1 and pid <> pg_backend_pid()`,
      [this.options.database],
    );
    this.options.log(`fault: terminated ${rows[0]?.n ?? 0} backends`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}
