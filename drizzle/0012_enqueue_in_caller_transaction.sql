-- A task enqueued inside a caller's transaction must not upsert the shared queue_counts row: the
-- row lock would last as long as the caller's transaction and stop every other enqueuer of that
-- queue. Such inserts set pgtask.queue_counts_as_deltas (transaction-local) and append their
-- counts to queue_count_deltas instead, which has no key to wait on.
CREATE OR REPLACE FUNCTION queue_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('pgtask.queue_counts_as_deltas', true) = 'on' THEN
    INSERT INTO queue_count_deltas (queue, status, delta)
    SELECT queue, status, count(*) FROM new_rows GROUP BY queue, status;
    RETURN NULL;
  END IF;
  INSERT INTO queue_counts (queue, status, count)
  SELECT queue, status, count(*) FROM new_rows GROUP BY queue, status ORDER BY queue, status
  ON CONFLICT (queue, status) DO UPDATE SET count = queue_counts.count + excluded.count;
  RETURN NULL;
END $$;
