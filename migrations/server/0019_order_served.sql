CREATE TABLE "order_served" (
	"line_id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"day" date NOT NULL,
	"entry_uuid" text NOT NULL,
	"terminal_id" text NOT NULL,
	"served_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "order_served_school_day_idx" ON "order_served" USING btree ("school_id","day");--> statement-breakpoint
-- «Выдача по заявке»: a fixed day's lines (or a reversal) put the day in the change log, so the school's tills pull that day's lines again.
CREATE OR REPLACE FUNCTION order_lines_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  INSERT INTO changes (school_id, kind, key) SELECT DISTINCT school_id, 'orderDay', day::text FROM new_rows;
  FOR s IN SELECT DISTINCT school_id FROM new_rows LOOP PERFORM pg_notify('canteen_changes', s); END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER order_lines_changed AFTER INSERT ON order_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION order_lines_changed();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION order_reversals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  INSERT INTO changes (school_id, kind, key)
    SELECT DISTINCT l.school_id, 'orderDay', l.day::text FROM new_rows r JOIN order_lines l ON l.id = r.line_id;
  FOR s IN SELECT DISTINCT school_id FROM new_rows LOOP PERFORM pg_notify('canteen_changes', s); END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER order_reversals_changed AFTER INSERT ON order_reversals REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION order_reversals_changed();
