import type { WorkerEvent } from '../../../src/client/index.js';
import { EventLog } from '../../support/event-log.js';

export { type Deferred, deferred } from '../../support/deferred.js';

/**
 * Records a runWorker's events and lets a test wait for one that matches, so tests wait on what
 * the worker did rather than on the clock.
 */
export class WorkerEvents extends EventLog<WorkerEvent> {
  /** The first event (already seen, or still to come) that matches. */
  next<K extends WorkerEvent['kind']>(
    kind: K,
    match: (event: Extract<WorkerEvent, { kind: K }>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<Extract<WorkerEvent, { kind: K }>> {
    return this.first((event) => event.kind === kind && match(event as Extract<WorkerEvent, { kind: K }>), {
      timeoutMs,
      what: () => `${kind} event; saw ${this.kinds().join(', ')}`,
    }) as Promise<Extract<WorkerEvent, { kind: K }>>;
  }

  count(kind: WorkerEvent['kind']): number {
    return this.seen.filter((event) => event.kind === kind).length;
  }

  kinds(): string[] {
    return this.seen.map((event) => event.kind);
  }
}
