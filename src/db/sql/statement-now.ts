/**
 * The time a statement compares with and writes: the caller's clock when it hands one
 * (`Clock.sqlNow()`, a test's clock), else the database's `now()`. The parameter is null in
 * production, and `coalesce($n::timestamptz, now())` is stable within a statement, so the planner
 * still uses it as an index condition (run_at <= …) exactly as it uses `now()`.
 */
export function statementNow(parameter: string): string {
  return `coalesce(${parameter}::timestamptz, now())`;
}
