CREATE TABLE "order_recharges" (
	"line_id" text PRIMARY KEY NOT NULL,
	"school_id" text NOT NULL,
	"entry_id" text NOT NULL,
	"subsidy_entry_id" text NOT NULL,
	"made_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- The till's «Выдача по заявке» shows the school's sittings even on a day with no order lines: any change to a
-- sitting (the console's page, a script) puts 'sittings' in the change log, so the school's tills pull them again.
CREATE OR REPLACE FUNCTION meal_sittings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text := CASE WHEN TG_OP = 'DELETE' THEN OLD.school_id ELSE NEW.school_id END;
BEGIN
  INSERT INTO changes (school_id, kind, key) VALUES (s, 'sittings', 'all');
  IF TG_OP = 'UPDATE' AND OLD.school_id <> NEW.school_id THEN
    INSERT INTO changes (school_id, kind, key) VALUES (OLD.school_id, 'sittings', 'all');
  END IF;
  PERFORM pg_notify('canteen_changes', s);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER meal_sittings_changed AFTER INSERT OR UPDATE OR DELETE ON meal_sittings
  FOR EACH ROW EXECUTE FUNCTION meal_sittings_changed();
