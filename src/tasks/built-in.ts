import { cpuProcess } from './cpu-process.js';
import { fibonacciTask } from './fibonacci.js';
import { generateReport } from './generate-report.js';
import { TaskRegistry } from './registry.js';
import { sendEmail } from './send-email.js';
import { sleepTask } from './sleep.js';

/** The registry with every built-in task type. A new type is one file plus one line here. */
export function createBuiltInRegistry(): TaskRegistry {
  const registry = new TaskRegistry();
  registry.register(sendEmail);
  registry.register(generateReport);
  registry.register(cpuProcess);
  registry.register(sleepTask);
  registry.register(fibonacciTask);
  return registry;
}
