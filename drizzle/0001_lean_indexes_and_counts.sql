CREATE TABLE "queue_counts" (
	"queue" text NOT NULL,
	"status" text NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "queue_counts_queue_status_pk" PRIMARY KEY("queue","status")
);
--> statement-breakpoint
DROP INDEX "task_events_at_idx";--> statement-breakpoint
DROP INDEX "tasks_status_finished_idx";--> statement-breakpoint
DROP INDEX "tasks_queue_status_idx";--> statement-breakpoint
CREATE INDEX "tasks_finished_idx" ON "tasks" USING btree ("finished_at") WHERE status in ('succeeded', 'dead', 'cancelled');--> statement-breakpoint
CREATE INDEX "tasks_queue_status_idx" ON "tasks" USING btree ("queue","status","id") WHERE status <> 'succeeded';