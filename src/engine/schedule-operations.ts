import type pg from 'pg';
import { parseCron } from '../config/cron-expression.js';
import { ConfigError } from '../config/load-config.js';
import {
  databaseNow,
  deleteSchedule,
  getSchedule,
  listSchedules,
  putSchedule,
  type ScheduleWrite,
  setSchedulePaused,
  syncConfigSchedules,
} from '../db/schedule-store.js';
import { inTransaction, type Queryable } from '../db/transaction.js';
import type { Actor } from '../model/audit.js';
import type { Clock } from '../model/clock.js';
import type { Schedule, ScheduleDefinition } from '../model/schedule.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { audited } from './audited.js';
import { prepareSchedule, type ScheduleIssue } from './schedule-definition.js';
import type { EngineConfig } from './types.js';
import { EngineError } from './types.js';

/** What the audit keeps of a definition (the payload too: it is what every tick enqueues). */
function definitionOf(schedule: Schedule): Record<string, unknown> {
  return {
    cron: schedule.cron,
    timezone: schedule.timezone,
    task: schedule.task,
    paused: schedule.paused,
  };
}

/**
 * Schedules from the outside: config at start, and the operator's PUT, DELETE, pause and resume,
 * each written to the audit log in its own transaction.
 */
export class ScheduleOperations {
  constructor(
    private readonly options: {
      pool: pg.Pool;
      config: EngineConfig;
      registry: TaskRegistry;
      /** The scheduler's clock: its sqlNow(), or the database's time when that is null. */
      clock: Clock;
      /** A schedule changed here: this node's scheduler looks again. */
      onChanged: () => void;
    },
  ) {}

  /**
   * Applies config's `schedules` (created or replaced; config schedules no longer listed are
   * deleted). A definition whose task does not pass the enqueue checks is a ConfigError.
   */
  async syncConfig(): Promise<void> {
    const { config, pool } = this.options;
    const now = await this.#now(pool);
    const writes: ScheduleWrite[] = config.schedules.map((entry, index) => {
      try {
        return this.#prepare(entry.name, entry, 'config', now).write;
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        const issue = (error.details as ScheduleIssue[])[0]!;
        throw new ConfigError(`config: schedules.${index}.${issue.field} is invalid: ${issue.message}`);
      }
    });
    writes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    await inTransaction(pool, (client) => syncConfigSchedules(client, writes));
  }

  list(): Promise<Schedule[]> {
    return listSchedules(this.options.pool);
  }

  async get(name: string): Promise<Schedule> {
    const schedule = await getSchedule(this.options.pool, name);
    if (!schedule) throw notFound(name);
    return schedule;
  }

  /** Creates or replaces the whole definition; `created` says which. */
  async put(
    name: string,
    definition: ScheduleDefinition,
    actor: Actor,
  ): Promise<{ schedule: Schedule; created: boolean }> {
    const result = await audited({
      pool: this.options.pool,
      actor,
      work: async (db) => {
        const previous = await getSchedule(db, name, { lock: true });
        const { write } = this.#prepare(name, definition, 'api', await this.#now(db));
        return { previous, schedule: await putSchedule(db, write) };
      },
      describe: ({ previous, schedule }) => ({
        action: previous ? 'schedule.update' : 'schedule.create',
        targetType: 'schedule',
        target: name,
        details: {
          ...definitionOf(schedule),
          source: schedule.source,
          ...(previous ? { previous: definitionOf(previous) } : {}),
        },
      }),
    });
    this.options.onChanged();
    return { schedule: result.schedule, created: !result.previous };
  }

  async delete(name: string, actor: Actor): Promise<Schedule> {
    const deleted = await audited({
      pool: this.options.pool,
      actor,
      work: (db) => deleteSchedule(db, name),
      describe: (schedule) =>
        schedule && {
          action: 'schedule.delete',
          targetType: 'schedule',
          target: name,
          details: { ...definitionOf(schedule), source: schedule.source },
        },
    });
    if (!deleted) throw notFound(name);
    return deleted;
  }

  /** Pause clears the next tick; resume sets it from now, so ticks missed while paused never fire. */
  async setPaused(name: string, paused: boolean, actor: Actor): Promise<Schedule> {
    const changed = await audited({
      pool: this.options.pool,
      actor,
      work: async (db) => {
        const current = await getSchedule(db, name, { lock: true });
        if (!current) return undefined;
        const next = paused ? null : parseCron(current.cron, current.timezone).nextAfter(await this.#now(db));
        return setSchedulePaused(db, name, paused, next);
      },
      describe: (schedule) =>
        schedule && {
          action: paused ? 'schedule.pause' : 'schedule.resume',
          targetType: 'schedule',
          target: name,
        },
    });
    if (!changed) throw notFound(name);
    this.options.onChanged();
    return changed;
  }

  #prepare(name: string, definition: ScheduleDefinition, source: Schedule['source'], now: Date) {
    const { registry, config } = this.options;
    return prepareSchedule({ name, definition, source, registry, config, now });
  }

  async #now(db: Queryable): Promise<Date> {
    return this.options.clock.sqlNow() ?? databaseNow(db);
  }
}

function notFound(name: string): EngineError {
  return new EngineError('schedule_not_found', `schedule ${name} does not exist`);
}
