CREATE TABLE "bank_registries" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"sha256" text NOT NULL,
	"from_day" text,
	"to_day" text,
	"lines" integer NOT NULL,
	"total" bigint NOT NULL,
	"bytes" "bytea" NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "export_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"staff_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"kind" text NOT NULL,
	"school_id" text,
	"params" jsonb NOT NULL,
	"format" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"phase" text,
	"rows_done" integer DEFAULT 0 NOT NULL,
	"rows_total" integer,
	"error" text,
	"file_name" text,
	"size" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "bank_registries_source_sha_idx" ON "bank_registries" USING btree ("source","sha256");--> statement-breakpoint
CREATE INDEX "bank_registries_days_idx" ON "bank_registries" USING btree ("from_day","to_day");--> statement-breakpoint
CREATE UNIQUE INDEX "export_jobs_staff_key_idx" ON "export_jobs" USING btree ("staff_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "export_jobs_status_idx" ON "export_jobs" USING btree ("status","created_at");