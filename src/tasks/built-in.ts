import { cpuProcess } from './cpu-process.js';
import { fibonacciTask } from './fibonacci.js';
import { generateReportHandler } from './generate-report.js';
import { TaskRegistry } from './registry.js';
import { sendEmailHandler } from './send-email.js';
import { sleepTask } from './sleep.js';
import type { Mailer, ReportSource, TaskHandler } from './task-handler.js';

/** What the built-in types need from outside: their own wiring, not the engine's. */
export interface BuiltInServices {
  /** SendEmail and GenerateReport's summary go through it; without one, mail is only logged. */
  mailer?: Mailer;
  /** GenerateReport's statistics; without it GenerateReport fails for good, saying so. */
  reports?: ReportSource;
}

/** The five built-in task types. A new type is one file plus one line here. */
export function builtInHandlers(services: BuiltInServices = {}): TaskHandler[] {
  return [
    sendEmailHandler({ mailer: services.mailer }),
    generateReportHandler(services),
    cpuProcess,
    sleepTask,
    fibonacciTask,
  ] as TaskHandler[];
}

/** The registry with every built-in task type. */
export function createBuiltInRegistry(services: BuiltInServices = {}): TaskRegistry {
  const registry = new TaskRegistry();
  for (const handler of builtInHandlers(services)) registry.register(handler);
  return registry;
}
