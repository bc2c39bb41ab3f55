DROP INDEX "tasks_dedupe_idx";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "unique_for_ms" bigint;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "key_held_until" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_dedupe_idx" ON "tasks" USING btree ("queue","dedupe_key") WHERE dedupe_key is not null and (status in ('blocked', 'queued', 'running', 'retrying') or key_held_until is not null);