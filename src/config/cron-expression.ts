import { Cron } from 'croner';

/** A cron expression bound to its time zone: what a schedule's ticks are computed from. */
export interface CronExpression {
  /** The expression as given. */
  readonly cron: string;
  /** The canonical IANA name ("europe/berlin" becomes "Europe/Berlin"). */
  readonly timezone: string;
  /** The first tick strictly after `from`, or null when the expression never fires again. */
  nextAfter(from: Date): Date | null;
  /** The next `count` ticks after `from`. */
  upcoming(from: Date, count: number): Date[];
}

export const DEFAULT_TIMEZONE = 'UTC';

/** A cron expression or zone that cannot be used; `expected` reads after "expected" in config errors. */
export class CronError extends Error {
  override name = 'CronError';
  constructor(
    message: string,
    readonly field: 'cron' | 'timezone',
    readonly expected: string,
  ) {
    super(message);
  }
}

/**
 * Parses a 5-field (minutes) or 6-field (seconds first) cron expression in an IANA time zone with
 * croner; nicknames such as `@daily` work too. Throws a CronError whose message is one line that
 * says what is wrong, ready for a 400 or a config error.
 */
export function parseCron(cron: string, timezone: string = DEFAULT_TIMEZONE): CronExpression {
  const zone = canonicalTimezone(timezone);
  let job: Cron;
  try {
    job = new Cron(cron, { timezone: zone, mode: '5-or-6-parts', paused: true });
  } catch (error) {
    const reason = croneReason(error);
    throw new CronError(
      `"${clip(cron)}" is not a cron expression: ${reason}`,
      'cron',
      `a cron expression of 5 or 6 fields (${reason})`,
    );
  }
  // croner also takes an ISO date as a one-shot "pattern"; a schedule repeats, so refuse it.
  if (job.getOnce() !== null) {
    throw new CronError(
      `"${clip(cron)}" is a date, not a cron expression of 5 or 6 fields`,
      'cron',
      'a cron expression of 5 or 6 fields, not a date',
    );
  }
  if (job.nextRun(new Date()) === null) {
    throw new CronError(
      `"${clip(cron)}" never fires (no date matches it)`,
      'cron',
      'a cron expression that fires (no date matches this one)',
    );
  }
  return {
    cron,
    timezone: zone,
    nextAfter: (from) => job.nextRun(from),
    upcoming: (from, count) => job.nextRuns(count, from),
  };
}

/** The canonical IANA zone name, or a CronError naming the zone. */
export function canonicalTimezone(timezone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new CronError(
      `"${clip(timezone)}" is not an IANA time zone (like "Europe/Berlin" or "UTC")`,
      'timezone',
      'an IANA time zone like "Europe/Berlin" or "UTC"',
    );
  }
}

function croneReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CronPattern:\s*/, '').split('\n')[0]!;
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
