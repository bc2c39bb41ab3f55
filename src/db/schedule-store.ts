import type { Schedule, ScheduleSource } from '../model/schedule.js';
import type { Queryable } from './transaction.js';

interface ScheduleRow {
  name: string;
  cron: string;
  timezone: string;
  task_type: string;
  payload: unknown;
  queue: string | null;
  priority: number | null;
  paused: boolean;
  source: ScheduleSource;
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_task_id: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'name, cron, timezone, task_type, payload, queue, priority, paused, source, next_run_at, ' +
  'last_run_at, last_task_id, last_error, created_at, updated_at';

function toSchedule(row: ScheduleRow): Schedule {
  return {
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    task: { taskType: row.task_type, payload: row.payload, queue: row.queue, priority: row.priority },
    paused: row.paused,
    source: row.source,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastTaskId: row.last_task_id,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A schedule's columns as written by PUT and by the config sync. */
export interface ScheduleWrite {
  name: string;
  cron: string;
  timezone: string;
  taskType: string;
  payloadJson: string;
  queue: string | null;
  priority: number | null;
  paused: boolean;
  source: ScheduleSource;
  /** The first tick from now; null when paused. */
  nextRunAt: Date | null;
}

/** One fired tick to record: the schedule's next tick and what this one made. */
export interface TickRecord {
  name: string;
  nextRunAt: Date | null;
  lastRunAt: Date;
  lastTaskId: string | null;
  lastError: string | null;
}

export async function listSchedules(db: Queryable): Promise<Schedule[]> {
  const { rows } = await db.query<ScheduleRow>(`select ${COLUMNS} from schedules order by name`);
  return rows.map(toSchedule);
}

/** `lock`: FOR UPDATE, for a change that reads the old definition first (the audit keeps it). */
export async function getSchedule(
  db: Queryable,
  name: string,
  options: { lock?: boolean } = {},
): Promise<Schedule | undefined> {
  const { rows } = await db.query<ScheduleRow>(
    `select ${COLUMNS} from schedules where name = $1${options.lock ? ' for update' : ''}`,
    [name],
  );
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

/** Creates or replaces a definition; its run history (last run, last task) is kept. */
export async function putSchedule(db: Queryable, write: ScheduleWrite): Promise<Schedule> {
  const { rows } = await db.query<ScheduleRow>(
    `insert into schedules (name, cron, timezone, task_type, payload, queue, priority, paused, source, next_run_at)
     values ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)
     on conflict (name) do update set
       cron = excluded.cron, timezone = excluded.timezone, task_type = excluded.task_type,
       payload = excluded.payload, queue = excluded.queue, priority = excluded.priority,
       paused = excluded.paused, next_run_at = excluded.next_run_at, last_error = null, updated_at = now(),
       -- A schedule config lists stays config's: the next start applies config's definition again.
       source = case when schedules.source = 'config' then 'config' else excluded.source end
     returning ${COLUMNS}`,
    writeParams(write),
  );
  return toSchedule(rows[0]!);
}

/**
 * Applies config's schedules at start: each is created or replaced, and the config schedules no
 * longer listed are deleted. A tick that was due while every node was down stays due (so it fires
 * once) unless the expression, zone or pause state changed.
 */
export async function syncConfigSchedules(db: Queryable, writes: readonly ScheduleWrite[]): Promise<void> {
  await db.query(`delete from schedules where source = 'config' and name <> all($1::text[])`, [
    writes.map((write) => write.name),
  ]);
  for (const write of writes) {
    await db.query(
      `insert into schedules (name, cron, timezone, task_type, payload, queue, priority, paused, source, next_run_at)
       values ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)
       on conflict (name) do update set
         cron = excluded.cron, timezone = excluded.timezone, task_type = excluded.task_type,
         payload = excluded.payload, queue = excluded.queue, priority = excluded.priority,
         paused = excluded.paused, source = 'config',
         next_run_at = case
           when schedules.cron = excluded.cron and schedules.timezone = excluded.timezone
             and schedules.paused = excluded.paused and schedules.next_run_at is not null
           then schedules.next_run_at else excluded.next_run_at end,
         updated_at = case
           when (schedules.cron, schedules.timezone, schedules.task_type, schedules.payload, schedules.queue,
                 schedules.priority, schedules.paused, schedules.source)
                is not distinct from
                (excluded.cron, excluded.timezone, excluded.task_type, excluded.payload, excluded.queue,
                 excluded.priority, excluded.paused, 'config')
           then schedules.updated_at else now() end`,
      writeParams(write),
    );
  }
}

function writeParams(write: ScheduleWrite): unknown[] {
  return [
    write.name,
    write.cron,
    write.timezone,
    write.taskType,
    write.payloadJson,
    write.queue,
    write.priority,
    write.paused,
    write.source,
    write.nextRunAt,
  ];
}

export async function deleteSchedule(db: Queryable, name: string): Promise<Schedule | undefined> {
  const { rows } = await db.query<ScheduleRow>(`delete from schedules where name = $1 returning ${COLUMNS}`, [
    name,
  ]);
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

/** Pause clears the next tick; resume sets it from now (the ticks missed while paused never fire). */
export async function setSchedulePaused(
  db: Queryable,
  name: string,
  paused: boolean,
  nextRunAt: Date | null,
): Promise<Schedule | undefined> {
  const { rows } = await db.query<ScheduleRow>(
    `update schedules set paused = $2, next_run_at = $3, updated_at = now()
     where name = $1 returning ${COLUMNS}`,
    [name, paused, nextRunAt],
  );
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

/**
 * The schedules due at `now` whose task type this node knows, locked for the caller's transaction.
 * SKIP LOCKED: a schedule another node is firing is that node's; by the time its lock is gone its
 * next tick has moved past `now`, so it is not due here again.
 */
export async function lockDueSchedules(
  db: Queryable,
  options: { now: Date; taskTypes: readonly string[]; limit: number },
): Promise<Schedule[]> {
  const { rows } = await db.query<ScheduleRow>(
    `select ${COLUMNS} from schedules
     where not paused and next_run_at <= $1 and task_type = any($2::text[])
     order by next_run_at limit $3
     for update skip locked`,
    [options.now, options.taskTypes, options.limit],
  );
  return rows.map(toSchedule);
}

/** One statement for every tick of a round. */
export async function recordTicks(db: Queryable, ticks: readonly TickRecord[]): Promise<void> {
  if (ticks.length === 0) return;
  await db.query(
    `update schedules s set next_run_at = t.next_run_at, last_run_at = t.last_run_at,
       last_task_id = coalesce(t.last_task_id, s.last_task_id), last_error = t.last_error
     from unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::uuid[], $5::text[])
       as t(name, next_run_at, last_run_at, last_task_id, last_error)
     where s.name = t.name`,
    [
      ticks.map((tick) => tick.name),
      ticks.map((tick) => tick.nextRunAt),
      ticks.map((tick) => tick.lastRunAt),
      ticks.map((tick) => tick.lastTaskId),
      ticks.map((tick) => tick.lastError),
    ],
  );
}

/** The soonest tick of any running schedule, and the database clock (for a node's timer). */
export async function nextScheduledTick(db: Queryable): Promise<{ next: Date | null; now: Date }> {
  const { rows } = await db.query<{ next: Date | null; now: Date }>(
    'select (select min(next_run_at) from schedules where not paused) as next, now() as now',
  );
  return rows[0]!;
}

export async function databaseNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>('select now() as now');
  return rows[0]!.now;
}
