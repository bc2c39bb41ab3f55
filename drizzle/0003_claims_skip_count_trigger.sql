-- Claims change no status, so their statements tell the count trigger to skip its work (the
-- flag is transaction-local: it ends with the claim's own statement).
CREATE OR REPLACE FUNCTION queue_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('pgtask.status_unchanged', true) = 'on' THEN
    RETURN NULL;
  END IF;
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
