-- task_events becomes a table partitioned by day on "at" (UTC), so retention drops whole days
-- instead of deleting rows, and the table stays flat at any size. The existing table is kept as
-- it is, without copying a row: it becomes the partition of everything before tomorrow
-- ("task_events_legacy"), daily partitions follow, and a default partition takes any row no day
-- covers yet (a node whose clock is ahead), so a write never fails for a missing partition.
-- drizzle-kit cannot express partitioning: schema.ts keeps describing the columns.
ALTER TABLE "task_events" RENAME TO "task_events_legacy";
--> statement-breakpoint
ALTER INDEX "task_events_task_idx" RENAME TO "task_events_legacy_task_idx";
--> statement-breakpoint
ALTER TABLE "task_events_legacy" DROP CONSTRAINT "task_events_pkey";
--> statement-breakpoint
ALTER TABLE "task_events_legacy" ALTER COLUMN "id" DROP IDENTITY;
--> statement-breakpoint
CREATE TABLE "task_events" (
  "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
  "task_id" uuid NOT NULL,
  "at" timestamp with time zone DEFAULT now() NOT NULL,
  "from_status" text,
  "to_status" text NOT NULL,
  "attempt" integer DEFAULT 0 NOT NULL,
  "node_id" text,
  "error" text,
  CONSTRAINT "task_events_pkey" PRIMARY KEY ("id", "at")
) PARTITION BY RANGE ("at");
--> statement-breakpoint
CREATE INDEX "task_events_task_idx" ON "task_events" USING btree ("task_id", "id");
--> statement-breakpoint
CREATE TABLE "task_events_default" PARTITION OF "task_events" DEFAULT;
--> statement-breakpoint
-- History keeps its order: new ids continue after the old ones.
-- The legacy partition ends at the start of the day after the migration, or after its newest row
-- if a node's clock wrote one further ahead, so attaching it never fails on a row it holds.
DO $$
DECLARE
  v_next bigint;
  v_latest timestamptz;
  v_until timestamptz;
BEGIN
  SELECT coalesce(max(id), 0) + 1, max(at) INTO v_next, v_latest FROM task_events_legacy;
  v_until := ((greatest(now(), coalesce(v_latest, now())) AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC';
  EXECUTE format('ALTER TABLE task_events ALTER COLUMN id RESTART WITH %s', v_next);
  EXECUTE format(
    'ALTER TABLE task_events ATTACH PARTITION task_events_legacy FOR VALUES FROM (MINVALUE) TO (%L)',
    v_until
  );
END $$;
--> statement-breakpoint
-- Creates the daily partitions from p_now's day to p_days_ahead days after it (those missing),
-- moving any rows the default partition holds for a day into its new partition. Nodes call it
-- at start and every hour; the advisory lock lets several run it at once. A day the legacy
-- partition already covers is skipped.
CREATE OR REPLACE FUNCTION task_events_ensure_partitions(p_now timestamptz, p_days_ahead integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_day date;
  v_from timestamptz;
  v_to timestamptz;
  v_name text;
  v_created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(7242310982);
  FOR i IN 0..p_days_ahead LOOP
    v_day := (p_now AT TIME ZONE 'UTC')::date + i;
    v_name := 'task_events_p' || to_char(v_day, 'YYYYMMDD');
    CONTINUE WHEN to_regclass(v_name) IS NOT NULL;
    v_from := v_day::timestamp AT TIME ZONE 'UTC';
    v_to := (v_day + 1)::timestamp AT TIME ZONE 'UTC';
    BEGIN
      EXECUTE format('CREATE TABLE %I (LIKE task_events INCLUDING DEFAULTS)', v_name);
      EXECUTE format(
        'WITH moved AS (DELETE FROM task_events_default WHERE at >= %L AND at < %L RETURNING *)
         INSERT INTO %I SELECT * FROM moved',
        v_from, v_to, v_name
      );
      EXECUTE format(
        'ALTER TABLE task_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        v_name, v_from, v_to
      );
      v_created := v_created + 1;
    EXCEPTION WHEN invalid_object_definition THEN
      -- The day overlaps the legacy partition: already covered (the table and move roll back).
      NULL;
    END;
  END LOOP;
  RETURN v_created;
END $$;
--> statement-breakpoint
SELECT task_events_ensure_partitions(now(), 3);
