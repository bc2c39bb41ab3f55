import { ServiceProcess } from '../faults/support/service.js';

/** Short leases, so a SIGSTOP of a few seconds is past the lease and a dead node is rescued fast. */
export const LEASE_MS = 2_000;
const HEARTBEAT_MS = 500;

export interface Slot {
  name: string;
  service: ServiceProcess | undefined;
  /** A fault is being done to this instance (it may be stopped, dying or restarting). */
  busy: boolean;
  /** Set while the soak itself ends or kills the process: any other exit is a crash. */
  expectingExit: boolean;
}

/**
 * The soak's instances of the service: real processes of the fault suite's service entry (the
 * real wiring plus the soak's task type), restarted after each kill, with every unexpected exit
 * recorded as a finding.
 */
export class Cluster {
  readonly slots: Slot[];
  readonly crashes: string[] = [];
  readonly nodeIds = new Map<string, string>();
  #closing = false;

  constructor(
    names: readonly string[],
    private readonly options: { databaseUrl: string; env: Record<string, string> },
  ) {
    this.slots = names.map((name) => ({ name, service: undefined, busy: false, expectingExit: false }));
  }

  /** Starts the slot's process, retrying while the database is away (a restart may meet an outage). */
  async start(slot: Slot, deadlineMs = 90_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const service = await ServiceProcess.start({
          name: slot.name,
          databaseUrl: this.options.databaseUrl,
          entry: 'fixture',
          env: this.options.env,
          config: {
            log: { level: 'info' },
            lease: { timeout: LEASE_MS, heartbeatInterval: HEARTBEAT_MS },
            shutdown: { timeout: 2_000 },
            queue: { workerPoolSize: 8, maxBufferSize: 50, pollInterval: 500 },
          },
        });
        slot.service = service;
        slot.expectingExit = false;
        this.nodeIds.set(service.nodeId, slot.name);
        void service.exited.then(({ code, signal }) => {
          if (slot.service !== service) return;
          slot.service = undefined;
          if (!slot.expectingExit && !this.#closing) {
            this.crashes.push(
              `${slot.name} exited on its own (code ${code}, signal ${signal})\n${service.tail(40)}`,
            );
            if (!slot.busy) {
              slot.busy = true;
              void this.start(slot)
                .catch((error: unknown) =>
                  this.crashes.push(`${slot.name} could not restart: ${String(error)}`),
                )
                .finally(() => {
                  slot.busy = false;
                });
            }
          }
        });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((done) => setTimeout(done, Math.min(2_000, 250 * attempt)));
      }
    }
  }

  /** Instances that answer HTTP now (a stopped one is included: its requests wait until it resumes). */
  running(): ServiceProcess[] {
    return this.slots.flatMap((slot) => (slot.service ? [slot.service] : []));
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.expectingExit = true;
        await slot.service?.destroy();
      }),
    );
  }
}
