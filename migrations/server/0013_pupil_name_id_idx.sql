DROP INDEX "students_school_name_idx";--> statement-breakpoint
DROP INDEX "students_name_idx";--> statement-breakpoint
CREATE INDEX "students_school_name_id_idx" ON "students" USING btree ("school_id",lower("full_name") COLLATE "C","id");--> statement-breakpoint
CREATE INDEX "students_name_id_idx" ON "students" USING btree (lower("full_name") COLLATE "C","id");