CREATE TABLE "shift_reports" (
	"school_id" text NOT NULL,
	"shift_id" text NOT NULL,
	"terminal_id" text NOT NULL,
	"entry_uuid" text NOT NULL,
	"shift_number" integer NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	"day" text NOT NULL,
	"sales_count" integer NOT NULL,
	"sales_total" bigint NOT NULL,
	"subsidy_total" bigint NOT NULL,
	"refunds_count" integer NOT NULL,
	"refunds_total" bigint NOT NULL,
	"first_receipt" text,
	"last_receipt" text,
	"server" jsonb NOT NULL,
	"differences" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"matches" boolean NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shift_reports_school_id_shift_id_pk" PRIMARY KEY("school_id","shift_id")
);
--> statement-breakpoint
CREATE INDEX "shift_reports_day_idx" ON "shift_reports" USING btree ("day","school_id");
--> statement-breakpoint
-- Every entry joins to its cause: a subsidy entry's receipt was only in its payload (receiptId);
-- push now also writes it to entries.receipt_id, and the entries stored before get it here.
UPDATE "entries" SET "receipt_id" = "payload"->>'receiptId'
WHERE "kind" = 'subsidy' AND "receipt_id" IS NULL AND jsonb_typeof("payload"->'receiptId') = 'string';
