import { z } from 'zod';
import { defineHandler, type TaskHandler } from '../../src/tasks/task-handler.js';
import { deferred } from './deferred.js';

// The limits both layers' enqueue-limits tests pin, written here rather than read from src/, so a
// wrong constant there fails them.
export const HOUR = 3_600_000;
export const TEN_YEARS_MS = 10 * 365 * 24 * HOUR;

/**
 * The type ToNumber, whose schema transforms its payload ({ n: "42" } → 42): the handler must get
 * the schema's output, so a payload parsed twice (or not at all) shows. `received` is the n it got.
 */
export function toNumberHandler(): { handler: TaskHandler; received: Promise<number> } {
  const received = deferred<number>();
  const handler = defineHandler({
    type: 'ToNumber',
    payloadSchema: z.object({ n: z.string().transform(Number) }),
    run: (payload) => {
      received.resolve(payload.n);
      return { doubled: payload.n * 2 };
    },
  });
  return { handler, received: received.promise };
}
