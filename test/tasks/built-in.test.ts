import { describe, expect, it } from 'vitest';
import { createBuiltInRegistry } from '../../src/tasks/built-in.js';
import { seedEnqueueExample } from './task-context.js';

describe('the built-in registry', () => {
  it('has the five built-in types', () => {
    expect(createBuiltInRegistry().types()).toEqual([
      'CPUProcess',
      'Fibonacci',
      'GenerateReport',
      'SendEmail',
      'Sleep',
    ]);
  });

  it("accepts every payload of the seed's enqueue example", () => {
    const registry = createBuiltInRegistry();
    for (const task of seedEnqueueExample.tasks) {
      const handler = registry.get(task.taskType);
      expect(handler, task.taskType).toBeDefined();
      expect(handler!.payloadSchema.safeParse(task.payload).success, task.taskType).toBe(true);
    }
  });

  it('runs CPU-bound types in a worker thread, and gives every type a timeout', () => {
    const registry = createBuiltInRegistry();
    const threaded = registry
      .handlers()
      .filter((handler) => handler.thread)
      .map((handler) => handler.type);
    expect(threaded.sort()).toEqual(['CPUProcess', 'Fibonacci']);
    for (const handler of registry.handlers())
      expect(handler.defaults?.timeoutMs, handler.type).toBeGreaterThan(0);
  });
});
