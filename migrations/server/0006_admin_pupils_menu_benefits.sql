CREATE TABLE "balance_return_tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"account_number" text NOT NULL,
	"student_id" text,
	"amount" bigint NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone,
	"done_by" text,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "menu_cycle_days" (
	"school_id" text NOT NULL,
	"day_no" integer NOT NULL,
	"dish_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"meal_set_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	CONSTRAINT "menu_cycle_days_school_id_day_no_pk" PRIMARY KEY("school_id","day_no")
);
--> statement-breakpoint
CREATE TABLE "menu_cycles" (
	"school_id" text PRIMARY KEY NOT NULL,
	"length_days" integer NOT NULL,
	"starts_on" date NOT NULL,
	"weekdays" integer[] DEFAULT '{1,2,3,4,5}'::int[] NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "menu_overrides" (
	"school_id" text NOT NULL,
	"day" date NOT NULL,
	"dish_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"meal_set_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "menu_overrides_school_id_day_pk" PRIMARY KEY("school_id","day")
);
--> statement-breakpoint
CREATE TABLE "school_year_transitions" (
	"school_id" text NOT NULL,
	"year" integer NOT NULL,
	"done_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_by" text NOT NULL,
	"promoted" integer NOT NULL,
	"graduated" integer NOT NULL,
	CONSTRAINT "school_year_transitions_school_id_year_pk" PRIMARY KEY("school_id","year")
);
--> statement-breakpoint
CREATE TABLE "student_benefits" (
	"school_id" text NOT NULL,
	"student_id" text NOT NULL,
	"benefit_category_id" text NOT NULL,
	"document" text NOT NULL,
	"valid_from" date NOT NULL,
	"valid_until" date,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "student_benefits_student_id_benefit_category_id_pk" PRIMARY KEY("student_id","benefit_category_id")
);
--> statement-breakpoint
ALTER TABLE "benefit_categories" ADD COLUMN "funding_source" text DEFAULT 'municipal' NOT NULL;--> statement-breakpoint
ALTER TABLE "benefit_categories" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "benefit_rules" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "dishes" ADD COLUMN "portion" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "dishes" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "meal_sets" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "students" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "students" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "balance_return_tasks" ADD CONSTRAINT "balance_return_tasks_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "menu_cycle_days" ADD CONSTRAINT "menu_cycle_days_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "menu_cycles" ADD CONSTRAINT "menu_cycles_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "menu_overrides" ADD CONSTRAINT "menu_overrides_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "school_year_transitions" ADD CONSTRAINT "school_year_transitions_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "student_benefits" ADD CONSTRAINT "student_benefits_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "student_benefits" ADD CONSTRAINT "student_benefits_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "balance_return_tasks_school_idx" ON "balance_return_tasks" USING btree ("school_id","done_at");--> statement-breakpoint
CREATE INDEX "student_benefits_expiry_idx" ON "student_benefits" USING btree ("school_id","valid_until");--> statement-breakpoint
CREATE INDEX "students_school_name_idx" ON "students" USING btree ("school_id",lower("full_name") COLLATE "C");--> statement-breakpoint
CREATE INDEX "students_name_idx" ON "students" USING btree (lower("full_name") COLLATE "C");--> statement-breakpoint
CREATE INDEX "students_school_class_idx" ON "students" USING btree ("school_id","class_name");