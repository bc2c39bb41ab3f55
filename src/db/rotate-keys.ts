import type { Pool } from 'pg';
import { isSealed, type PayloadCipher } from './payload-cipher.js';

export interface RotationProgress {
  /** Rows looked at so far (only those that still needed it are read). */
  rows: number;
  payloads: number;
  results: number;
  batches: number;
}

/**
 * Re-encrypts, in batches of `batchSize` rows in id order, every payload and result that is not
 * sealed with the cipher's first key: plaintext ones (encryption turned on for existing data) and
 * ones sealed with an older key. Each batch is one UPDATE that changes a value only if it is still
 * the one read, so a result written meanwhile by a finishing task is never overwritten. Safe to
 * run while the service runs, and again after an interruption (it picks up what is left).
 */
export async function rotateKeys(
  pool: Pool,
  cipher: PayloadCipher,
  options: { batchSize: number; onBatch?: (progress: RotationProgress) => void },
): Promise<RotationProgress> {
  const progress: RotationProgress = { rows: 0, payloads: 0, results: 0, batches: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await pool.query<{ id: string; payload: string; result: string | null }>(
      `select id, payload::text as payload, result::text as result from tasks
       where id > $1
         and (payload->>'$encrypted' is distinct from 'aes-256-gcm' or payload->>'k' is distinct from $2
              or (result is not null and result <> 'null'::jsonb
                  and (result->>'$encrypted' is distinct from 'aes-256-gcm' or result->>'k' is distinct from $2)))
       order by id
       limit $3`,
      [after, cipher.currentKeyId, options.batchSize],
    );
    if (rows.length === 0) return progress;
    after = rows[rows.length - 1]!.id;
    const updates: Array<{
      id: string;
      old_payload: string;
      payload: string;
      old_result: string | null;
      result: string | null;
    }> = [];
    for (const row of rows) {
      const payload = reseal(cipher, row.payload, `payload of task ${row.id}`);
      const result =
        row.result === null || row.result === 'null'
          ? undefined
          : reseal(cipher, row.result, `result of task ${row.id}`);
      if (payload !== undefined) progress.payloads++;
      if (result !== undefined) progress.results++;
      updates.push({
        id: row.id,
        old_payload: row.payload,
        payload: payload ?? row.payload,
        old_result: row.result,
        result: result ?? row.result,
      });
    }
    await pool.query(
      `with input as (
         select * from jsonb_to_recordset($1::jsonb) as u(id uuid, old_payload text, payload text, old_result text, result text)
       ),
       -- No status changes here: the queue_counts trigger may skip this statement.
       counts_unchanged as (select set_config('pgtask.status_unchanged', 'on', true) as flag)
       update tasks t set
         payload = case when t.payload = u.old_payload::jsonb then u.payload::jsonb else t.payload end,
         result = case when t.result is not distinct from u.old_result::jsonb then u.result::jsonb else t.result end
       from input u
       where t.id = u.id and (select flag from counts_unchanged) = 'on'`,
      [JSON.stringify(updates)],
    );
    progress.rows += rows.length;
    progress.batches++;
    options.onBatch?.({ ...progress });
  }
}

/** The value sealed with the first key, or undefined when it already is. */
function reseal(cipher: PayloadCipher, text: string, what: string): string | undefined {
  const value = JSON.parse(text) as unknown;
  if (!cipher.needsRotation(value)) return undefined;
  return cipher.seal(isSealed(value) ? cipher.openText(value, what) : text);
}
