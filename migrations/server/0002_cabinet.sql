CREATE TABLE "cabinet_events" (
	"id" text PRIMARY KEY NOT NULL,
	"account_number" text,
	"kind" text NOT NULL,
	"ip" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ok" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cabinet_payments" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"external_id" text,
	"account_number" text NOT NULL,
	"amount" bigint NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"payer" text,
	"paid_at" timestamp with time zone,
	"entry_uuid" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cabinet_profiles" (
	"account_number" text PRIMARY KEY NOT NULL,
	"email" text,
	"low_balance_threshold" bigint,
	"low_balance_notified_at" timestamp with time zone,
	"password_changed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cabinet_reset_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"account_number" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cabinet_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"account_number" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE TABLE "cabinet_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"last_failure_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "cabinet_events_account_idx" ON "cabinet_events" USING btree ("account_number","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "cabinet_payments_source_external_idx" ON "cabinet_payments" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "cabinet_payments_account_idx" ON "cabinet_payments" USING btree ("account_number","created_at");--> statement-breakpoint
CREATE INDEX "cabinet_reset_tokens_account_idx" ON "cabinet_reset_tokens" USING btree ("account_number");--> statement-breakpoint
CREATE INDEX "cabinet_sessions_account_idx" ON "cabinet_sessions" USING btree ("account_number");