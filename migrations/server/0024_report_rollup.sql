CREATE TABLE "report_dirty_days" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "report_dirty_days_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"school_id" text NOT NULL,
	"day" date NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_school_days" (
	"school_id" text NOT NULL,
	"day" date NOT NULL,
	"time_zone" text NOT NULL,
	"pupils_fed" integer NOT NULL,
	"beneficiaries_fed" integer NOT NULL,
	"grade14_fed" integer NOT NULL,
	"sales_total" bigint NOT NULL,
	"subsidy_total" bigint NOT NULL,
	"shifts" text[] NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_school_days_school_id_day_pk" PRIMARY KEY("school_id","day")
);
--> statement-breakpoint
CREATE TABLE "report_subsidy_meals" (
	"school_id" text NOT NULL,
	"day" date NOT NULL,
	"account_number" text,
	"item" text NOT NULL,
	"meals" integer NOT NULL,
	"sum" bigint NOT NULL,
	"share" bigint,
	"category_id" text,
	"funding_source" text
);
--> statement-breakpoint
CREATE INDEX "report_school_days_day_idx" ON "report_school_days" USING btree ("day");--> statement-breakpoint
CREATE INDEX "report_subsidy_meals_day_idx" ON "report_subsidy_meals" USING btree ("day","school_id");