CREATE TABLE "attendance" (
	"school_id" text NOT NULL,
	"student_id" text NOT NULL,
	"day" date NOT NULL,
	"present" boolean NOT NULL,
	"source" text NOT NULL,
	"marked_by" text NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attendance_student_id_day_pk" PRIMARY KEY("student_id","day")
);
--> statement-breakpoint
CREATE TABLE "class_orders" (
	"school_id" text NOT NULL,
	"day" date NOT NULL,
	"class_name" text NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"confirmed_by" text,
	"confirmed_at" timestamp with time zone,
	"fixed_by" text,
	"fixed_at" timestamp with time zone,
	CONSTRAINT "class_orders_school_id_day_class_name_pk" PRIMARY KEY("school_id","day","class_name")
);
--> statement-breakpoint
CREATE TABLE "meal_sittings" (
	"school_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"starts_at" text NOT NULL,
	"ends_at" text NOT NULL,
	"class_names" text[] DEFAULT '{}'::text[] NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "meal_sittings_school_id_id_pk" PRIMARY KEY("school_id","id")
);
--> statement-breakpoint
CREATE TABLE "order_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"subsidy_entry_id" text NOT NULL,
	"school_id" text NOT NULL,
	"day" date NOT NULL,
	"class_name" text NOT NULL,
	"sitting_id" text NOT NULL,
	"student_id" text NOT NULL,
	"account_number" text,
	"meal_set_id" text NOT NULL,
	"meal_set_name" text NOT NULL,
	"price" bigint NOT NULL,
	"parent_amount" bigint NOT NULL,
	"subsidy_amount" bigint NOT NULL,
	"funding_source" text,
	"benefit_category_id" text,
	"basis" text NOT NULL,
	"fixed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_notices" (
	"account_number" text NOT NULL,
	"day" date NOT NULL,
	"short_by" bigint NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "order_notices_account_number_day_pk" PRIMARY KEY("account_number","day")
);
--> statement-breakpoint
CREATE TABLE "order_reversals" (
	"line_id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"entry_id" text NOT NULL,
	"subsidy_entry_id" text NOT NULL,
	"reason" text NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_settings" (
	"school_id" text PRIMARY KEY NOT NULL,
	"cutoff_kind" text DEFAULT 'sameDay' NOT NULL,
	"cutoff_time" text DEFAULT '08:00' NOT NULL,
	"not_eaten_policy" text DEFAULT 'charge' NOT NULL,
	"horizon_days" integer DEFAULT 14 NOT NULL,
	"primary_free" boolean DEFAULT true NOT NULL,
	"primary_funding_source" text DEFAULT 'federal' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pre_orders" (
	"school_id" text NOT NULL,
	"student_id" text NOT NULL,
	"day" date NOT NULL,
	"sitting_id" text NOT NULL,
	"account_number" text NOT NULL,
	"meal_set_id" text,
	"amount" bigint NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "pre_orders_student_id_day_sitting_id_pk" PRIMARY KEY("student_id","day","sitting_id")
);
--> statement-breakpoint
CREATE TABLE "quarantines" (
	"id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"class_names" text[] DEFAULT '{}'::text[] NOT NULL,
	"from_day" date NOT NULL,
	"to_day" date NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "attendance_school_day_idx" ON "attendance" USING btree ("school_id","day");--> statement-breakpoint
CREATE UNIQUE INDEX "order_lines_pupil_day_sitting_idx" ON "order_lines" USING btree ("student_id","day","sitting_id");--> statement-breakpoint
CREATE INDEX "order_lines_school_day_idx" ON "order_lines" USING btree ("school_id","day","class_name");--> statement-breakpoint
CREATE INDEX "order_reversals_school_idx" ON "order_reversals" USING btree ("school_id","decided_at");--> statement-breakpoint
CREATE INDEX "pre_orders_school_day_idx" ON "pre_orders" USING btree ("school_id","day");--> statement-breakpoint
CREATE INDEX "pre_orders_open_account_idx" ON "pre_orders" USING btree ("account_number") WHERE state = 'open';--> statement-breakpoint
CREATE INDEX "quarantines_school_idx" ON "quarantines" USING btree ("school_id","from_day");