CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"address" text,
	"request_id" text,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target" text,
	"task_ids" uuid[],
	"details" jsonb
);
--> statement-breakpoint
CREATE INDEX "audit_log_task_ids_idx" ON "audit_log" USING gin ("task_ids");