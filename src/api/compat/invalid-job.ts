import { z } from 'zod';
import { defineHandler, PermanentError } from '../../tasks/task-handler.js';

/**
 * The Elixir runner accepts any payload and lets the queue's `perform/1` end the job in
 * `{:error, :invalid_payload}`. Our engine refuses a bad payload at enqueue, so a job whose payload
 * its queue's type rejects is stored as this type instead, in the job's queue, holding the
 * original payload: it is accepted (201), shows up in the job list, runs once and ends `dead`
 * with the error `invalid_payload`, exactly as the seed's job would.
 */
export const INVALID_JOB_TYPE = 'InvalidJobPayload';
export const INVALID_PAYLOAD_ERROR = 'invalid_payload';

export const invalidJobHandler = defineHandler({
  type: INVALID_JOB_TYPE,
  description: `A /api/jobs job whose payload its queue's type rejects; fails at once with "${INVALID_PAYLOAD_ERROR}".`,
  payloadSchema: z.strictObject({ payload: z.unknown() }),
  defaults: { maxRetries: 0 },
  run(): never {
    throw new PermanentError(INVALID_PAYLOAD_ERROR);
  },
});
