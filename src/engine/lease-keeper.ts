import type { EngineStore, RescuedTask } from '../db/engine-store.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../model/clock.js';

/**
 * Heartbeats this node and rescues the tasks of nodes whose heartbeat went stale (by the clock:
 * the database's in production, a test's when it hands one). A node only rescues after its own heartbeats have succeeded for a whole lease period:
 * after a database outage every node's heartbeat looks stale, and the first to reconnect must
 * not declare the others dead before they had a chance to beat.
 */
export class LeaseKeeper {
  #timer: NodeJS.Timeout | undefined;
  #connectedSince: number | undefined;
  #running = false;
  #stopped = false;

  constructor(
    private readonly options: {
      /** Its heartbeat and the rescue of stale nodes. */
      engineStore: EngineStore;
      nodeId: () => string;
      heartbeatMs: number;
      leaseMs: number;
      log: Logger;
      /** Another node declared this one dead: its leases are gone. */
      onLeaseLost: () => Promise<void> | void;
      onRescued: (tasks: RescuedTask[]) => void;
      onHeartbeatFailed?: (error: unknown) => void;
      /** Frees HTTP workers' expired leases; runs in the same rounds as the rescue of stale nodes. */
      expireWorkerLeases?: () => Promise<unknown>;
      /** Heartbeats, stale cut-offs and the connected-since rule follow it; the rounds' timer is real. */
      clock: Clock;
    },
  ) {}

  start(): void {
    this.#connectedSince = this.options.clock.now();
    const tick = async () => {
      if (this.#stopped) return;
      await this.runOnce();
      if (this.#stopped) return;
      this.#timer = setTimeout(tick, this.options.heartbeatMs);
      this.#timer.unref();
    };
    this.#timer = setTimeout(tick, this.options.heartbeatMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One heartbeat and, when allowed, one rescue round. */
  async runOnce(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const { clock } = this.options;
    try {
      let alive: boolean;
      try {
        alive = await this.options.engineStore.heartbeat(this.options.nodeId(), clock.sqlNow());
        this.#connectedSince ??= clock.now();
      } catch (error) {
        this.#connectedSince = undefined;
        this.options.onHeartbeatFailed?.(error);
        this.options.log.warn({ err: error }, 'heartbeat failed');
        return;
      }
      if (!alive) {
        this.options.log.error('this node was declared dead by another node; dropping its leases');
        await this.options.onLeaseLost();
        this.#connectedSince = clock.now();
        return;
      }
      if (this.#connectedSince !== undefined && clock.now() - this.#connectedSince >= this.options.leaseMs) {
        const rescued = await this.options.engineStore.rescueStaleNodes({
          leaseMs: this.options.leaseMs,
          nodeId: this.options.nodeId(),
          now: clock.sqlNow(),
        });
        if (rescued.length > 0) {
          const nodes = [...new Set(rescued.map((task) => task.fromNode))];
          this.options.log.warn(
            { nodes, tasks: rescued.length, running: rescued.filter((task) => task.wasRunning).length },
            'rescued the tasks of nodes whose heartbeat went stale',
          );
          this.options.onRescued(rescued);
        }
        await this.options.expireWorkerLeases?.();
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'rescue round failed');
    } finally {
      this.#running = false;
    }
  }
}
