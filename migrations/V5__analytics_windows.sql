-- Analytics service: what the exactly-once window sink needs beyond V3's window_aggregates and stream_offsets.

-- window_aggregates: rows are merged in place by every commit that touches them (a per-batch delta added to the
-- stored row), so results do not depend on batching or on which instance owned the partition.
--   sum_milli        exact sum in thousandths of the unit: integer addition is associative, so merged sums never
--                    depend on the order of readings (sum = sum_milli / 1000)
--   close_at         window_end + the query's grace: the window becomes final once the watermark reaches it
--   source_partition input partition of a patient window (its watermark closes it); null for department windows,
--                    which merge readings of every partition and close on the lowest watermark of all partitions
--   department_id    patient windows: department of the last reading; department windows: the department
--   bed_id           patient windows: bed of the last reading
--   last_news2       NEWS2 sub-score of the last reading (department overview)
ALTER TABLE window_aggregates
  ADD COLUMN sum_milli        bigint,
  ADD COLUMN close_at         timestamptz,
  ADD COLUMN source_partition integer,
  ADD COLUMN department_id    uuid,
  ADD COLUMN bed_id           uuid,
  ADD COLUMN last_news2       smallint CHECK (last_news2 BETWEEN 0 AND 3);

-- Every commit updates rows in place: leave room on each page so updates stay HOT.
ALTER TABLE window_aggregates SET (fillfactor = 80);

-- Open windows of a partition, by close time (closing them is one index range per commit).
CREATE INDEX window_aggregates_open ON window_aggregates (query_id, source_partition, close_at) WHERE NOT is_final;
-- A department's windows, and the windows of the patients in a department (overview, WebSocket).
CREATE INDEX window_aggregates_department ON window_aggregates (department_id, query_id, window_start);
-- Retention: rows of a query by end time.
CREATE INDEX window_aggregates_ended ON window_aggregates (query_id, window_end);

-- The event-time position stored with the offset of each partition (committed in the same transaction).
ALTER TABLE stream_offsets
  ADD COLUMN watermark      timestamptz,
  ADD COLUMN max_event_time timestamptz;

-- The window definitions rows were written under: a query id never changes its group or window (the service
-- refuses to start if it would, rather than mixing windows of two shapes under one id).
CREATE TABLE analytics_queries (
  query_id    text PRIMARY KEY,
  group_kind  text NOT NULL CHECK (group_kind IN ('patient', 'department')),
  window_spec text NOT NULL,
  definition  jsonb NOT NULL,
  first_seen  timestamptz NOT NULL DEFAULT now(),
  last_seen   timestamptz NOT NULL DEFAULT now()
);
