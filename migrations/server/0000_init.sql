CREATE TABLE "accounts" (
	"account_number" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"student_id" text,
	"balance" bigint DEFAULT 0 NOT NULL,
	"daily_limit" bigint,
	"permanent_password_hash" text,
	"temp_password_hash" text,
	"barred_item_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"barred_category_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "benefit_categories" (
	"school_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "benefit_categories_school_id_id_pk" PRIMARY KEY("school_id","id")
);
--> statement-breakpoint
CREATE TABLE "benefit_rules" (
	"school_id" text NOT NULL,
	"id" text NOT NULL,
	"benefit_category_id" text NOT NULL,
	"meal_set_id" text NOT NULL,
	"parent_pays" bigint NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "benefit_rules_school_id_id_pk" PRIMARY KEY("school_id","id")
);
--> statement-breakpoint
CREATE TABLE "cards" (
	"id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"account_number" text NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"reason" text,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cashiers" (
	"id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"pin_hash" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE "changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"txid" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dishes" (
	"school_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	"category_id" text NOT NULL,
	"hotkey" text,
	"sort" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "dishes_school_id_id_pk" PRIMARY KEY("school_id","id")
);
--> statement-breakpoint
CREATE TABLE "enrollment_codes" (
	"code_hash" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"terminal_id" text NOT NULL,
	"terminal_name" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entries" (
	"uuid" text NOT NULL,
	"school_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"terminal_id" text,
	"seq" bigint,
	"kind" text NOT NULL,
	"account_number" text,
	"amount" bigint NOT NULL,
	"applied" boolean DEFAULT true NOT NULL,
	"shift_id" text,
	"cashier_id" text,
	"card_id" text,
	"receipt_id" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "entries_school_id_created_at_uuid_pk" PRIMARY KEY("school_id","created_at","uuid")
);
--> statement-breakpoint
CREATE TABLE "entry_ids" (
	"uuid" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"terminal_id" text,
	"seq" bigint
);
--> statement-breakpoint
CREATE TABLE "meal_sets" (
	"school_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	"category_id" text NOT NULL,
	"hotkey" text,
	"sort" integer DEFAULT 0 NOT NULL,
	"dish_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "meal_sets_school_id_id_pk" PRIMARY KEY("school_id","id")
);
--> statement-breakpoint
CREATE TABLE "menu_categories" (
	"school_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "menu_categories_school_id_id_pk" PRIMARY KEY("school_id","id")
);
--> statement-breakpoint
CREATE TABLE "receipt_lines" (
	"school_id" text NOT NULL,
	"receipt_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"item_id" text NOT NULL,
	"item_kind" text NOT NULL,
	"name" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"subsidy" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "receipt_lines_school_id_receipt_id_line_no_pk" PRIMARY KEY("school_id","receipt_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "receipts" (
	"school_id" text NOT NULL,
	"id" text NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"terminal_id" text,
	"entry_uuid" text NOT NULL,
	"account_number" text,
	"total" bigint NOT NULL,
	"subsidy" bigint DEFAULT 0 NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"refund_of" text,
	"doc" jsonb,
	CONSTRAINT "receipts_school_id_id_pk" PRIMARY KEY("school_id","id")
);
--> statement-breakpoint
CREATE TABLE "review_flags" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"entry_uuid" text NOT NULL,
	"terminal_id" text,
	"account_number" text,
	"reason" text NOT NULL,
	"message" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text
);
--> statement-breakpoint
CREATE TABLE "schools" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"time_zone" text DEFAULT 'Europe/Moscow' NOT NULL,
	"cabinet_url" text DEFAULT '' NOT NULL,
	"overdraft_limit" bigint DEFAULT 0 NOT NULL,
	"stale_after_minutes" integer DEFAULT 1440 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schools_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "server_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "students" (
	"id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"full_name" text NOT NULL,
	"class_name" text NOT NULL,
	"benefit_category_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "terminals" (
	"id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"name" text NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"token_hash" text,
	"enrolled_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "terminals_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benefit_categories" ADD CONSTRAINT "benefit_categories_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benefit_rules" ADD CONSTRAINT "benefit_rules_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cards" ADD CONSTRAINT "cards_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cards" ADD CONSTRAINT "cards_account_number_accounts_account_number_fk" FOREIGN KEY ("account_number") REFERENCES "public"."accounts"("account_number") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cashiers" ADD CONSTRAINT "cashiers_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dishes" ADD CONSTRAINT "dishes_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_codes" ADD CONSTRAINT "enrollment_codes_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meal_sets" ADD CONSTRAINT "meal_sets_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "menu_categories" ADD CONSTRAINT "menu_categories_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "students" ADD CONSTRAINT "students_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminals" ADD CONSTRAINT "terminals_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_school_idx" ON "accounts" USING btree ("school_id");--> statement-breakpoint
CREATE INDEX "accounts_student_idx" ON "accounts" USING btree ("student_id");--> statement-breakpoint
CREATE INDEX "cards_school_idx" ON "cards" USING btree ("school_id");--> statement-breakpoint
CREATE INDEX "cards_account_idx" ON "cards" USING btree ("account_number");--> statement-breakpoint
CREATE INDEX "cashiers_school_idx" ON "cashiers" USING btree ("school_id");--> statement-breakpoint
CREATE INDEX "changes_school_txid_idx" ON "changes" USING btree ("school_id","txid");--> statement-breakpoint
CREATE INDEX "entries_account_idx" ON "entries" USING btree ("account_number","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "entry_ids_terminal_seq_idx" ON "entry_ids" USING btree ("terminal_id","seq");--> statement-breakpoint
CREATE INDEX "receipts_account_idx" ON "receipts" USING btree ("account_number","issued_at");--> statement-breakpoint
CREATE UNIQUE INDEX "review_flags_entry_reason_idx" ON "review_flags" USING btree ("entry_uuid","reason");--> statement-breakpoint
CREATE INDEX "review_flags_school_idx" ON "review_flags" USING btree ("school_id","created_at");--> statement-breakpoint
CREATE INDEX "students_school_idx" ON "students" USING btree ("school_id");--> statement-breakpoint
CREATE INDEX "terminals_school_idx" ON "terminals" USING btree ("school_id");