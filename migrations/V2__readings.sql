-- Readings, partitioned by measured-at time (one partition per UTC day). The reading id is stable from the
-- first durable hop, so an insert of the same reading is a no-op: the key is (reading_id, measured_at)
-- because a partitioned table's unique key must contain the partition key, and a reading's measured-at time
-- never changes (it travels with the id from the gateway's buffer).
CREATE TABLE readings (
  reading_id   uuid NOT NULL,
  customer_id  uuid NOT NULL,
  gateway_id   text,
  device_id    text NOT NULL,
  device_seq   bigint NOT NULL,
  metric       text NOT NULL,
  value        double precision NOT NULL,
  unit         text NOT NULL,
  measured_at  timestamptz NOT NULL,
  received_at  timestamptz NOT NULL,
  ingested_at  timestamptz NOT NULL DEFAULT now(),
  historical   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (reading_id, measured_at)
) PARTITION BY RANGE (measured_at);

CREATE INDEX readings_device_time ON readings (device_id, measured_at);
CREATE INDEX readings_customer_time ON readings (customer_id, measured_at);

-- Catches readings for which no day partition exists yet; maintenance moves them into their partition.
CREATE TABLE readings_default PARTITION OF readings DEFAULT;

-- Creates the day partition holding `day` (UTC) if it does not exist, moving any rows of that day out of the
-- default partition first. Returns true when it created a partition.
CREATE FUNCTION readings_ensure_partition(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part  text := format('readings_p%s', to_char(day, 'YYYYMMDD'));
  lower timestamptz := (day::timestamp AT TIME ZONE 'UTC');
  upper timestamptz := ((day + 1)::timestamp AT TIME ZONE 'UTC');
  moved bigint;
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE readings INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
  EXECUTE format('WITH m AS (DELETE FROM readings_default WHERE measured_at >= $1 AND measured_at < $2 RETURNING *)
                  INSERT INTO %I SELECT * FROM m', part) USING lower, upper;
  GET DIAGNOSTICS moved = ROW_COUNT;
  EXECUTE format('ALTER TABLE readings ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lower, upper);
  IF moved > 0 THEN
    RAISE NOTICE 'moved % rows from readings_default into %', moved, part;
  END IF;
  RETURN true;
END $$;

-- Drops day partitions that end before `cutoff`. Returns the names dropped.
CREATE FUNCTION readings_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.relname AS name
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'readings' AND c.relname ~ '^readings_p[0-9]{8}$'
      AND ((to_date(substr(c.relname, 11), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC') <= cutoff
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I', r.name);
    RETURN NEXT r.name;
  END LOOP;
END $$;

-- Partitions for the days around the migration, so ingest has somewhere to go before maintenance first runs.
SELECT readings_ensure_partition((now() AT TIME ZONE 'UTC')::date + d) FROM generate_series(-2, 7) AS d;
