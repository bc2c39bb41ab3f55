CREATE TABLE "task_dependencies" (
	"parent_id" uuid NOT NULL,
	"child_id" uuid NOT NULL,
	"resolved" boolean DEFAULT false NOT NULL,
	CONSTRAINT "task_dependencies_parent_id_child_id_pk" PRIMARY KEY("parent_id","child_id")
);
--> statement-breakpoint
DROP INDEX "tasks_dedupe_idx";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "pending_parents" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "on_parent_failure" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "has_dependents" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "task_dependencies_child_idx" ON "task_dependencies" USING btree ("child_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_dedupe_idx" ON "tasks" USING btree ("queue","dedupe_key") WHERE dedupe_key is not null and status in ('blocked', 'queued', 'running', 'retrying');