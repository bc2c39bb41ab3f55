CREATE TABLE "queue_count_deltas" (
	"queue" text NOT NULL,
	"status" text NOT NULL,
	"delta" bigint NOT NULL
);
