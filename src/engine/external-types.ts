import { z } from 'zod';
import { compileJsonSchema } from '../config/json-schema.js';
import type { ExternalTypeConfig } from '../config/schema.js';
import { TaskRegistry } from '../tasks/registry.js';
import { defineHandler, PermanentError, type TaskHandler } from '../tasks/task-handler.js';

/**
 * The handler of a type declared in `tasks.external`: it only validates (the JSON Schema, with
 * ajv, reported as zod issues so a bad payload gets the same 400 as a built-in type's) and
 * names the queue; HTTP workers run it.
 */
export function externalTaskHandler(entry: ExternalTypeConfig): TaskHandler {
  const validate = entry.payloadSchema ? compileJsonSchema(entry.payloadSchema) : undefined;
  const payloadSchema = z.unknown().superRefine((payload, ctx) => {
    if (!validate || validate(payload)) return;
    for (const error of validate.errors ?? []) {
      const path = error.instancePath.split('/').slice(1).map(unescapePointer);
      if (error.keyword === 'required' && typeof error.params.missingProperty === 'string')
        path.push(error.params.missingProperty);
      ctx.addIssue({ code: 'custom', path, message: error.message ?? 'invalid' });
    }
  });
  return defineHandler({
    type: entry.type,
    ...(entry.description ? { description: entry.description } : {}),
    payloadSchema,
    jsonSchema: entry.payloadSchema ?? {},
    external: { queue: entry.queue },
    defaults: {
      ...(entry.timeout !== undefined ? { timeoutMs: entry.timeout } : {}),
      ...(entry.maxRetries !== undefined ? { maxRetries: entry.maxRetries } : {}),
      ...(entry.backOff !== undefined ? { backoffMs: entry.backOff } : {}),
    },
    run: () => {
      throw new PermanentError(`${entry.type} is an external type: only HTTP workers run it`);
    },
  });
}

/** The registry plus the configured external types (a new registry; the caller's is untouched). */
export function withExternalTypes(
  registry: TaskRegistry,
  external: readonly ExternalTypeConfig[],
): TaskRegistry {
  if (external.length === 0) return registry;
  const merged = new TaskRegistry();
  for (const handler of registry.handlers()) merged.register(handler);
  for (const entry of external) {
    if (merged.has(entry.type))
      throw new Error(`tasks.external: ${entry.type} is already a type this node runs; pick another name`);
    merged.register(externalTaskHandler(entry));
  }
  return merged;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
