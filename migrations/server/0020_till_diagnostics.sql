CREATE TABLE "till_diagnostics" (
	"id" text PRIMARY KEY NOT NULL,
	"terminal_id" text NOT NULL,
	"school_id" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"requested_by" text NOT NULL,
	"uploaded_at" timestamp with time zone,
	"bundle" jsonb
);
--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "diagnostics_request" text;--> statement-breakpoint
ALTER TABLE "till_diagnostics" ADD CONSTRAINT "till_diagnostics_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "till_diagnostics" ADD CONSTRAINT "till_diagnostics_school_id_schools_id_fk" FOREIGN KEY ("school_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "till_diagnostics_terminal_idx" ON "till_diagnostics" USING btree ("terminal_id","requested_at");