CREATE TABLE "auto_topups" (
	"account_number" text PRIMARY KEY NOT NULL,
	"binding_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"threshold" bigint NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_attempt_day" text,
	"last_payment_id" text,
	"stopped_at" timestamp with time zone,
	"stopped_reason" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "balance_returns" (
	"document" text PRIMARY KEY NOT NULL,
	"account_number" text NOT NULL,
	"reason" text NOT NULL,
	"total" bigint NOT NULL,
	"refunded" bigint DEFAULT 0 NOT NULL,
	"transferred" bigint DEFAULT 0 NOT NULL,
	"parts" integer DEFAULT 0 NOT NULL,
	"by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_bindings" (
	"binding_id" text PRIMARY KEY NOT NULL,
	"gateway_id" text NOT NULL,
	"account_number" text NOT NULL,
	"client_id" text NOT NULL,
	"card_mask" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cabinet_payments" ADD COLUMN "next_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cabinet_payments" ADD COLUMN "checks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "cabinet_payments" ADD COLUMN "last_error" text;--> statement-breakpoint
CREATE INDEX "balance_returns_account_idx" ON "balance_returns" USING btree ("account_number");--> statement-breakpoint
CREATE INDEX "payment_bindings_account_idx" ON "payment_bindings" USING btree ("account_number");--> statement-breakpoint
CREATE INDEX "cabinet_payments_next_check_idx" ON "cabinet_payments" USING btree ("next_check_at");