import type { TaskLifecycleEvent } from './task-event.js';

export type EventBatchListener = (events: readonly TaskLifecycleEvent[]) => void;

/**
 * In-process fan-out of task lifecycle events, always in batches: the engine publishes one batch
 * per flush, so a burst of 50,000 tasks reaches a subscriber as a few hundred calls, not 50,000.
 * A listener that throws is logged by the caller's onError and never stops the others.
 */
export class EventBus {
  readonly #listeners = new Set<EventBatchListener>();
  readonly #onError: (error: unknown) => void;

  constructor(options: { onError?: (error: unknown) => void } = {}) {
    this.#onError = options.onError ?? (() => {});
  }

  subscribe(listener: EventBatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(events: readonly TaskLifecycleEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  get subscriberCount(): number {
    return this.#listeners.size;
  }
}
