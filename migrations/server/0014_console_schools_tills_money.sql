CREATE TABLE "money_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"account_number" text NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint NOT NULL,
	"reason" text NOT NULL,
	"document_number" text NOT NULL,
	"state" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_by_name" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_by_name" text,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"entry_uuid" text
);
--> statement-breakpoint
CREATE TABLE "school_calendar" (
	"school_id" text NOT NULL,
	"date" date NOT NULL,
	"kind" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	CONSTRAINT "school_calendar_school_id_date_pk" PRIMARY KEY("school_id","date")
);
--> statement-breakpoint
ALTER TABLE "schools" ADD COLUMN "correction_approval_limit" bigint DEFAULT 100000 NOT NULL;--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "receipt_series" text;--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "status" jsonb;--> statement-breakpoint
CREATE INDEX "money_requests_school_idx" ON "money_requests" USING btree ("school_id","state","requested_at");--> statement-breakpoint
CREATE UNIQUE INDEX "terminals_school_series_idx" ON "terminals" USING btree ("school_id","receipt_series");