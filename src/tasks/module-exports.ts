import type { TaskHandler } from './task-handler.js';

/**
 * The handlers a handler module exports: its default export, a handler or an array of handlers
 * (made with defineHandler). Returns the reason instead when the export is not that, so the
 * service's loader and the worker threads word it the same way.
 */
export function handlersOfModule(module: {
  default?: unknown;
}): { handlers: TaskHandler[] } | { problem: string } {
  const exported = module.default;
  if (exported === undefined || exported === null) {
    return {
      problem:
        'exports no handler: its default export must be a handler made with defineHandler, or an array of them',
    };
  }
  const list = Array.isArray(exported) ? exported : [exported];
  if (list.length === 0) return { problem: 'exports no handler: its default export is an empty array' };
  for (const [index, candidate] of list.entries()) {
    const missing = missingParts(candidate);
    if (missing) {
      const which = Array.isArray(exported) ? `default export [${index}]` : 'default export';
      return {
        problem: `exports no handler: its ${which} is not a handler made with defineHandler (${missing})`,
      };
    }
  }
  return { handlers: list as TaskHandler[] };
}

function missingParts(candidate: unknown): string | undefined {
  if (!candidate || typeof candidate !== 'object') return `found ${describe(candidate)}`;
  const handler = candidate as Partial<Record<keyof TaskHandler, unknown>>;
  const missing: string[] = [];
  if (typeof handler.type !== 'string' || handler.type.trim() === '') missing.push('type: a name');
  if (typeof (handler.payloadSchema as { safeParse?: unknown } | undefined)?.safeParse !== 'function')
    missing.push('payloadSchema: a zod schema');
  if (typeof handler.run !== 'function') missing.push('run: a function');
  return missing.length > 0 ? `it needs ${missing.join(', ')}` : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return 'a string';
  return typeof value;
}
