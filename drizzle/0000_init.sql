CREATE TABLE "nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"hostname" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "queues" (
	"name" text PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"concurrency" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "task_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"task_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"node_id" text,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"queue" text DEFAULT 'default' NOT NULL,
	"type" text NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"backoff_ms" integer NOT NULL,
	"timeout_ms" integer,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"locked_by" text,
	"locked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "task_events_task_idx" ON "task_events" USING btree ("task_id","id");--> statement-breakpoint
CREATE INDEX "task_events_at_idx" ON "task_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "tasks_ready_idx" ON "tasks" USING btree ("queue","priority" DESC NULLS LAST,"run_at","id") WHERE status in ('queued', 'retrying') and locked_by is null;--> statement-breakpoint
CREATE INDEX "tasks_ready_oldest_idx" ON "tasks" USING btree ("queue","run_at","id") WHERE status in ('queued', 'retrying') and locked_by is null;--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_dedupe_idx" ON "tasks" USING btree ("queue","dedupe_key") WHERE dedupe_key is not null and status in ('queued', 'running', 'retrying');--> statement-breakpoint
CREATE INDEX "tasks_locked_by_idx" ON "tasks" USING btree ("locked_by") WHERE locked_by is not null;--> statement-breakpoint
CREATE INDEX "tasks_queue_status_idx" ON "tasks" USING btree ("queue","status","id");--> statement-breakpoint
CREATE INDEX "tasks_status_finished_idx" ON "tasks" USING btree ("status","finished_at");--> statement-breakpoint
CREATE INDEX "tasks_payload_idx" ON "tasks" USING gin ("payload" jsonb_path_ops);