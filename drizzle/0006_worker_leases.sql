CREATE TABLE "workers" (
	"name" text PRIMARY KEY NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "tasks_worker_leases_idx" ON "tasks" USING btree ("locked_at") WHERE status = 'running' and locked_by like 'worker:%';