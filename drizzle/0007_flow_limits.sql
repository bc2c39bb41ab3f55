DROP INDEX "tasks_ready_idx";--> statement-breakpoint
DROP INDEX "tasks_ready_oldest_idx";--> statement-breakpoint
ALTER TABLE "queues" ADD COLUMN "limits" jsonb;--> statement-breakpoint
ALTER TABLE "queues" ADD COLUMN "rate_window_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "queues" ADD COLUMN "rate_window_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "queues" ADD COLUMN "key_cursor" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "concurrency_key" text;--> statement-breakpoint
CREATE INDEX "tasks_key_ready_idx" ON "tasks" USING btree ("queue","concurrency_key","priority" DESC NULLS LAST,"run_at","id") WHERE status in ('queued', 'retrying') and locked_by is null and concurrency_key is not null;--> statement-breakpoint
CREATE INDEX "tasks_key_active_idx" ON "tasks" USING btree ("queue","concurrency_key") WHERE locked_by is not null and concurrency_key is not null;--> statement-breakpoint
CREATE INDEX "tasks_ready_idx" ON "tasks" USING btree ("queue","priority" DESC NULLS LAST,"run_at","id") WHERE status in ('queued', 'retrying') and locked_by is null and concurrency_key is null;--> statement-breakpoint
CREATE INDEX "tasks_ready_oldest_idx" ON "tasks" USING btree ("queue","run_at","id") WHERE status in ('queued', 'retrying') and locked_by is null and concurrency_key is null;