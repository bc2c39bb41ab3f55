-- Every task leaves two dead row versions behind (claimed, finished) and retention deletes the
-- finished ones, so the tasks table churns all the time: vacuum it once 5% of it is dead (plus
-- 1,000 rows) rather than PostgreSQL's default of 20%, which lets a million-row table carry
-- 200,000 dead rows through every claim's index scan. Every statement on tasks appends its count
-- changes to queue_count_deltas (migration 0015) and every lease round (each second) empties it
-- into queue_counts, a handful of counter rows updated each time: vacuum both as soon as 200
-- dead versions pile up, or each fold scans a growing heap of dead ones.
ALTER TABLE "tasks" SET (
  autovacuum_vacuum_scale_factor = 0.05,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.05,
  autovacuum_analyze_scale_factor = 0.05
);
--> statement-breakpoint
ALTER TABLE "queue_counts" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 200);
--> statement-breakpoint
ALTER TABLE "queue_count_deltas" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 200);
