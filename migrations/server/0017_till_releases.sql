CREATE TABLE "release_files" (
	"version" text NOT NULL,
	"name" text NOT NULL,
	"platform" text,
	"sha512" text NOT NULL,
	"size" bigint NOT NULL,
	CONSTRAINT "release_files_version_name_pk" PRIMARY KEY("version","name")
);
--> statement-breakpoint
CREATE TABLE "release_pilot_schools" (
	"school_id" text PRIMARY KEY NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"version" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"promoted_at" timestamp with time zone,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_reason" text
);
--> statement-breakpoint
ALTER TABLE "release_files" ADD CONSTRAINT "release_files_version_releases_version_fk" FOREIGN KEY ("version") REFERENCES "public"."releases"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_pilot_schools" ADD CONSTRAINT "release_pilot_schools_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "release_files_name_idx" ON "release_files" USING btree ("name");