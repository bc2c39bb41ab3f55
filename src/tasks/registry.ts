import type { TaskHandler } from './task-handler.js';

/** Maps task type names to their handlers. Adding a type: one handler file plus one line below. */
export class TaskRegistry {
  readonly #handlers = new Map<string, TaskHandler>();
  #externalQueues: Set<string> | undefined;

  register(handler: TaskHandler<never, unknown, never> | TaskHandler): this {
    if (this.#handlers.has(handler.type)) throw new Error(`task type ${handler.type} is registered twice`);
    this.#handlers.set(handler.type, handler as TaskHandler);
    this.#externalQueues = undefined;
    return this;
  }

  get(type: string): TaskHandler | undefined {
    return this.#handlers.get(type);
  }

  has(type: string): boolean {
    return this.#handlers.has(type);
  }

  types(): string[] {
    return [...this.#handlers.keys()].sort();
  }

  /** Queues that hold external types (run by HTTP workers): no node's feeder claims from them. */
  externalQueues(): ReadonlySet<string> {
    this.#externalQueues ??= new Set(
      this.handlers().flatMap((handler) => (handler.external ? [handler.external.queue] : [])),
    );
    return this.#externalQueues;
  }

  handlers(): TaskHandler[] {
    return [...this.#handlers.values()];
  }
}
