-- Every reading id stored, once, whatever its measured-at. The readings table's key is (reading_id,
-- measured_at), because a partitioned table's unique key must contain its partition key, so on its own it
-- would store a reading id sent again with another measured-at a second time, in another partition. Ingest
-- claims each id here in the same statement that inserts the reading (an id already claimed is not inserted,
-- and the batch's answer says duplicate or CONFLICTING_DUPLICATE); maintenance deletes the ids of readings
-- past retention together with their partitions.
CREATE TABLE reading_ids (
  reading_id  uuid PRIMARY KEY,
  measured_at timestamptz NOT NULL
);
CREATE INDEX reading_ids_measured_at ON reading_ids (measured_at);

INSERT INTO reading_ids (reading_id, measured_at)
SELECT DISTINCT ON (reading_id) reading_id, measured_at FROM readings ORDER BY reading_id, measured_at;
