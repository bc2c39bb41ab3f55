-- Exact task counts per (queue, status) without counting the table: statement-level triggers
-- fold each INSERT/UPDATE/DELETE on tasks into one upsert of deltas. Rows are upserted in key
-- order so concurrent statements lock counters in the same order and cannot deadlock.
INSERT INTO queue_counts (queue, status, count)
SELECT queue, status, count(*) FROM tasks GROUP BY queue, status
ON CONFLICT (queue, status) DO UPDATE SET count = excluded.count;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION queue_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_counts (queue, status, count)
  SELECT queue, status, count(*) FROM new_rows GROUP BY queue, status ORDER BY queue, status
  ON CONFLICT (queue, status) DO UPDATE SET count = queue_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION queue_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_counts (queue, status, count)
  SELECT queue, status, sum(delta) FROM (
    SELECT queue, status, -1 AS delta FROM old_rows
    UNION ALL
    SELECT queue, status, 1 AS delta FROM new_rows
  ) changes
  GROUP BY queue, status HAVING sum(delta) <> 0 ORDER BY queue, status
  ON CONFLICT (queue, status) DO UPDATE SET count = queue_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION queue_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_counts (queue, status, count)
  SELECT queue, status, -count(*) FROM old_rows GROUP BY queue, status ORDER BY queue, status
  ON CONFLICT (queue, status) DO UPDATE SET count = queue_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_after_insert();
--> statement-breakpoint
CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_after_update();
--> statement-breakpoint
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_after_delete();
