import type { TaskHandler } from './task-handler.js';

/** Maps task type names to their handlers. Adding a type: one handler file plus one line below. */
export class TaskRegistry {
  readonly #handlers = new Map<string, TaskHandler>();

  register(handler: TaskHandler<never, unknown> | TaskHandler): this {
    if (this.#handlers.has(handler.type)) throw new Error(`task type ${handler.type} is registered twice`);
    this.#handlers.set(handler.type, handler as TaskHandler);
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

  handlers(): TaskHandler[] {
    return [...this.#handlers.values()];
  }
}
