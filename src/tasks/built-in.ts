import { TaskRegistry } from './registry.js';

/** The registry with every built-in task type. A new type is one file plus one line here. */
export function createBuiltInRegistry(): TaskRegistry {
  const registry = new TaskRegistry();
  return registry;
}
