import type { Pool } from 'pg';
import type { Actor, AuditAction, AuditEntry, AuditPage } from '../model/audit.js';
import type { Queryable } from './transaction.js';

interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  address: string | null;
  request_id: string | null;
  action: string;
  target_type: string;
  target: string | null;
  task_ids: string[] | null;
  task_count: number | null;
  details: Record<string, unknown> | null;
}

/** A bulk retry may touch thousands of tasks: readers get the first 100 ids and the count. */
const AUDIT_COLUMNS =
  'id, at, actor, address, request_id, action, target_type, target, task_ids[1:100] as task_ids, ' +
  'coalesce(cardinality(task_ids), 0) as task_count, details';

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    address: row.address,
    requestId: row.request_id,
    action: row.action,
    targetType: row.target_type,
    target: row.target,
    taskIds: row.task_ids ?? [],
    taskCount: row.task_count ?? 0,
    details: row.details,
  };
}

/**
 * Writes one audit row on `db`: pass the transaction's client so the row commits (or rolls back)
 * with the action it describes.
 */
export async function insertAuditEntry(
  db: Queryable,
  actor: Actor,
  action: AuditAction,
): Promise<AuditEntry> {
  const { rows } = await db.query<AuditRow>(
    `insert into audit_log (actor, address, request_id, action, target_type, target, task_ids, details)
     values ($1, $2, $3, $4, $5, $6, $7::uuid[], $8::jsonb)
     returning ${AUDIT_COLUMNS}`,
    [
      actor.name,
      actor.address ?? null,
      actor.requestId ?? null,
      action.action,
      action.targetType,
      action.target ?? null,
      action.taskIds ?? null,
      action.details === undefined ? null : JSON.stringify(action.details),
    ],
  );
  return toAuditEntry(rows[0]!);
}

/** Reads of the audit log: newest first, keyset-paginated by id. */
export class AuditStore {
  constructor(private readonly pool: Pool) {}

  async list(filter: { limit: number; after?: number }): Promise<AuditPage> {
    const { rows } = await this.pool.query<AuditRow>(
      `select ${AUDIT_COLUMNS} from audit_log
       where ($1::bigint is null or id < $1::bigint)
       order by id desc limit $2`,
      [filter.after ?? null, filter.limit + 1],
    );
    const entries = rows.slice(0, filter.limit).map(toAuditEntry);
    return rows.length > filter.limit ? { entries, next: entries[entries.length - 1]!.id } : { entries };
  }

  /** Every action that touched one task (its own retry or cancel, and bulk retries), oldest first. */
  async forTask(id: string, limit = 100): Promise<AuditEntry[]> {
    const { rows } = await this.pool.query<AuditRow>(
      `select ${AUDIT_COLUMNS} from audit_log where task_ids @> array[$1::uuid] order by id limit $2`,
      [id, limit],
    );
    return rows.map(toAuditEntry);
  }
}
