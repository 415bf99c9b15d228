-- Custom migration: the ledger becomes a partitioned table, LIST by school,
-- each school's partition RANGE by month. A partitioned table's unique keys
-- must contain the partition keys, so the global "one row per entry UUID" rule
-- lives in the small non-partitioned table entry_ids (uuid primary key):
-- push inserts there first with ON CONFLICT (uuid) DO NOTHING RETURNING uuid
-- and writes only the returned (new) entries here. See docs/server.md.
-- Partitions are made off the hot path by canteen_ensure_entry_partitions()
-- (school creation, server start, `canteen server partitions`); DEFAULT
-- partitions catch anything that arrives before its partition exists.
DROP TABLE "entries";
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
) PARTITION BY LIST ("school_id");
--> statement-breakpoint
CREATE TABLE "entries_default" PARTITION OF "entries" DEFAULT;
--> statement-breakpoint
CREATE INDEX "entries_account_idx" ON "entries" USING btree ("account_number","created_at");
--> statement-breakpoint
CREATE OR REPLACE FUNCTION canteen_ensure_entry_partitions(p_school text, p_from date, p_months integer)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  school_part text := 'entries_s_' || substr(md5(p_school), 1, 12);
  m date;
  month_part text;
  lo timestamptz;
  hi timestamptz;
  busy boolean;
BEGIN
  IF to_regclass(school_part) IS NULL THEN
    -- Rows already in the top-level default for this school would block the new partition: leave them there.
    IF EXISTS (SELECT 1 FROM entries_default WHERE school_id = p_school) THEN
      RAISE NOTICE 'entries of school % stay in entries_default', p_school;
      RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF entries FOR VALUES IN (%L) PARTITION BY RANGE (created_at)', school_part, p_school);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', school_part || '_default', school_part);
  END IF;
  FOR i IN 0 .. greatest(p_months, 1) - 1 LOOP
    m := (date_trunc('month', p_from) + make_interval(months => i))::date;
    month_part := school_part || '_' || to_char(m, 'YYYYMM');
    CONTINUE WHEN to_regclass(month_part) IS NOT NULL;
    -- Month boundaries in UTC, whatever the session's time zone.
    lo := m::timestamp AT TIME ZONE 'UTC';
    hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE created_at >= $1 AND created_at < $2)', school_part || '_default')
      INTO busy USING lo, hi;
    CONTINUE WHEN busy;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', month_part, school_part, lo, hi);
  END LOOP;
END
$fn$;
