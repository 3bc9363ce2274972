-- GENERATED from docker/analytics/queries.json by cloud/src/flink/analytics-sql.ts: do not edit; regenerate with
--   npx vitals flink analytics-sql --write
-- The analytics windows as one Flink SQL job (docs/analytics.md "Engines"): the final row of every window from
-- the window TVFs, the running row of `emit: changes` queries after each reading, readings late for a query to
-- late-readings, input that is not an enriched reading to readings-dlq. `cloud/src/flink/analytics-job.ts`
-- fills the ${...} placeholders and submits it through the SQL Gateway.

SET 'table.local-time-zone' = 'UTC';
SET 'pipeline.name' = '${JOB_NAME}';
SET 'table.exec.source.idle-timeout' = '${IDLE_TIMEOUT}';
SET 'pipeline.object-reuse' = 'true';
-- Reading ids (deduplication) and the running rows of open windows (emit changes) are kept this long after
-- their last use: longer than any window stays open. The window TVFs' state ends with their windows.
SET 'table.exec.state.ttl' = '660 s';
-- One plan block per shared view (one deduplication operator, whose watermark decides lateness for every
-- branch: the windows and the late-readings sink must see the same one).
SET 'table.optimizer.reuse-optimize-block-with-digest-enabled' = 'true';
-- Final and running rows of one window meet only in the topic; its consumer keeps the final one.
SET 'table.exec.sink.upsert-materialize' = 'NONE';

-- Flink's watermark: the bound plus the largest grace (60000 ms) plus 1 ms behind the latest measured time.
CREATE TEMPORARY TABLE enriched_input (
  payload STRING,
  record_key STRING,
  src_partition INT METADATA FROM 'partition' VIRTUAL,
  src_offset BIGINT METADATA FROM 'offset' VIRTUAL,
  pt AS PROCTIME(),
  -- A record without a readable measuredAt (a dead letter) gets the epoch: it cannot move the watermark.
  rt AS COALESCE(TIMESTAMPADD(MINUTE,
      CASE WHEN REGEXP(JSON_VALUE(payload, '$.reading.measuredAt'), '${ISO_INSTANT_PATTERN}') THEN
        -1 * COALESCE(IF(REGEXP_EXTRACT(JSON_VALUE(payload, '$.reading.measuredAt'), '([+-])(\d\d):(\d\d)$', 1) = '-', -1, 1) * (CAST(REGEXP_EXTRACT(JSON_VALUE(payload, '$.reading.measuredAt'), '([+-])(\d\d):(\d\d)$', 2) AS INT) * 60 + CAST(REGEXP_EXTRACT(JSON_VALUE(payload, '$.reading.measuredAt'), '([+-])(\d\d):(\d\d)$', 3) AS INT)), 0)
      END,
      TO_TIMESTAMP(REGEXP_EXTRACT(JSON_VALUE(payload, '$.reading.measuredAt'), '^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)', 1) || ' ' || REGEXP_EXTRACT(JSON_VALUE(payload, '$.reading.measuredAt'), '^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)', 2) || '.'
        || SUBSTRING(RPAD(COALESCE(REGEXP_EXTRACT(JSON_VALUE(payload, '$.reading.measuredAt'), '\.(\d+)', 1), ''), 3, '0') FROM 1 FOR 3))),
    TIMESTAMP '1970-01-01 00:00:00.000'),
  WATERMARK FOR rt AS TIMESTAMPADD(MILLISECOND, -(${OUT_OF_ORDER_MS} + 60001), rt)
) WITH (
  'connector' = 'kafka',
  'topic' = '${INPUT_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${GROUP_ID}',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = '${START_FROM}',
  'scan.watermark.idle-timeout' = '${IDLE_TIMEOUT}',
  'scan.watermark.emit.strategy' = 'on-event',
  'key.format' = 'raw',
  'key.fields' = 'record_key',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY'
);

-- The facts the windows need, and what is wrong with a record that is not an enriched reading.
CREATE TEMPORARY VIEW parsed AS
SELECT *,
  CASE WHEN payload IS NULL THEN 'record without a value (tombstone)'
       WHEN NOT (payload IS JSON OBJECT) THEN 'not JSON'
       WHEN rt = TIMESTAMP '1970-01-01 00:00:00.000' THEN 'measuredAt is not a time'
       WHEN metric IS NULL OR metric NOT IN ('heart_rate', 'spo2', 'resp_rate', 'nibp_sys', 'nibp_dia', 'nibp_mean', 'temperature') THEN 'reading.metric is not a metric code'
       WHEN v IS NULL THEN 'reading.value is not a number'
       WHEN reading_id IS NULL THEN 'reading.readingId is missing'
       WHEN NOT REGEXP(COALESCE(customer_id, ''), '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') THEN 'customerId is not a uuid'
       WHEN NOT REGEXP(COALESCE(patient_id, ''), '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') THEN 'patientId is not a uuid'
       WHEN NOT REGEXP(COALESCE(department_id, ''), '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') THEN 'departmentId is not a uuid'
       WHEN NOT REGEXP(COALESCE(bed_id, ''), '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') THEN 'bedId is not a uuid'
       WHEN news2 IS NOT NULL AND (news2 < 0 OR news2 > 3) THEN 'news2 is not 0 to 3'
  END AS problem
FROM (
  SELECT payload, record_key, src_partition, src_offset, rt, pt,
    (EXTRACT(EPOCH FROM rt) * 1000 + EXTRACT(MILLISECOND FROM rt)) AS t_ms,
    JSON_VALUE(payload, '$.reading.readingId') AS reading_id,
    JSON_VALUE(payload, '$.customerId') AS customer_id,
    JSON_VALUE(payload, '$.patientId') AS patient_id,
    JSON_VALUE(payload, '$.departmentId') AS department_id,
    JSON_VALUE(payload, '$.bedId') AS bed_id,
    JSON_VALUE(payload, '$.reading.metric') AS metric,
    TRY_CAST(JSON_VALUE(payload, '$.reading.value') AS DOUBLE) AS v,
    TRY_CAST(JSON_VALUE(payload, '$.news2') AS INT) AS news2
  FROM enriched_input);

-- Each reading once (the first of a reading id within the state TTL: a repeat the enricher let through counts
-- once). The shuffle by reading id matters as much: after it, every subtask's watermark is the one the window
-- operators see (every source partition's, idle ones aside), so a reading the windows would drop as late is
-- found late here and goes to late-readings; before it, a partition back from idleness could be behind the
-- windows' watermark without knowing it.
CREATE TEMPORARY VIEW first_seen AS
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY reading_id ORDER BY pt) AS seen
  FROM parsed WHERE problem IS NULL)
WHERE seen = 1;

-- The bound-only watermark before the record (wm_ms, Node's: Flink's plus the largest grace and 1 ms), and
-- `last` as a string whose MAX is the reading with the latest (measured time, value): both zero-padded, then
-- the value as written, its NEWS2 score (n: none), department and bed.
CREATE TEMPORARY VIEW valid AS
SELECT payload, record_key, src_partition, src_offset, rt, t_ms,
  (EXTRACT(EPOCH FROM CURRENT_WATERMARK(rt)) * 1000 + EXTRACT(MILLISECOND FROM CURRENT_WATERMARK(rt))) + 60001 AS wm_ms,
  customer_id, patient_id, department_id, metric, v,
  CAST(ROUND(v * 1000) AS BIGINT) AS v_milli,
  LPAD(CAST(t_ms AS STRING), 15, '0') || LPAD(CAST(CAST(ROUND(v * 1000) AS BIGINT) + 1000000000000 AS STRING), 16, '0')
    || '|' || CAST(v AS STRING) || '|' || COALESCE(CAST(news2 AS STRING), 'n') || '|' || department_id || '|' || bed_id
    AS last_key
FROM first_seen;

-- patient-1m: Per patient and metric, tumbling 1 minute: the bedside trend and the latest values
CREATE TEMPORARY VIEW q0_input AS
SELECT rt, t_ms, wm_ms, customer_id, patient_id AS group_id, metric, v, v_milli, last_key FROM valid
WHERE TRUE AND NOT (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 60000) + 60000) + 30000 <= wm_ms);

-- patient-5m: Per patient and metric, tumbling 5 minutes (the ksqlDB job: average heart rate per patient per 5 minutes)
CREATE TEMPORARY VIEW q1_input AS
SELECT rt, t_ms, wm_ms, customer_id, patient_id AS group_id, metric, v, v_milli, last_key FROM valid
WHERE TRUE AND NOT (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 300000) + 300000) + 60000 <= wm_ms);

-- patient-5m-hop-1m: Per patient and metric, 5 minutes advancing by 1 minute: a smoothed trend, one final result per window
CREATE TEMPORARY VIEW q2_input AS
SELECT rt, t_ms, wm_ms, customer_id, patient_id AS group_id, metric, v, v_milli, last_key FROM valid
WHERE TRUE AND NOT (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 60000) + 300000) + 60000 <= wm_ms);

-- department-5m: Per department and metric, tumbling 5 minutes: the ward overview
CREATE TEMPORARY VIEW q3_input AS
SELECT rt, t_ms, wm_ms, customer_id, department_id AS group_id, metric, v, v_milli, last_key FROM valid
WHERE TRUE AND NOT (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 300000) + 300000) + 60000 <= wm_ms);

CREATE TEMPORARY TABLE window_results (
  query_id STRING,
  group_id STRING,
  metric STRING,
  window_start_ms BIGINT,
  customer_id STRING,
  group_kind STRING,
  window_end_ms BIGINT,
  `count` BIGINT,
  sum_milli BIGINT,
  `min` DOUBLE,
  `max` DOUBLE,
  `last` DOUBLE,
  last_measured_at_ms BIGINT,
  last_news2 INT,
  department_id STRING,
  bed_id STRING,
  is_final BOOLEAN,
  PRIMARY KEY (query_id, group_id, metric, window_start_ms) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '${RESULTS_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '${TX_PREFIX}-windows',
  'key.format' = 'json',
  'value.format' = 'json',
  'value.fields-include' = 'ALL'
);

CREATE TEMPORARY TABLE late_readings (
  record_key STRING,
  payload STRING,
  headers MAP<STRING, BYTES> METADATA
) WITH (
  'connector' = 'kafka',
  'topic' = '${LATE_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '${TX_PREFIX}-late',
  'key.format' = 'raw',
  'key.fields' = 'record_key',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY'
);

CREATE TEMPORARY TABLE readings_dlq (
  record_key STRING,
  `reason` STRING,
  `detail` STRING,
  `source` ROW<`topic` STRING, `partition` INT, `offset` STRING>,
  `original` STRING,
  `originalBytes` INT,
  `at` STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '${DLQ_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '${TX_PREFIX}-dlq',
  'key.format' = 'raw',
  'key.fields' = 'record_key',
  'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY',
  'value.json.encode.ignore-null-fields' = 'true'
);

EXECUTE STATEMENT SET BEGIN

INSERT INTO window_results
SELECT query_id, group_id, metric, window_start_ms, customer_id, group_kind, window_end_ms, cnt, sum_milli,
  min_value, max_value,
  CAST(SPLIT_INDEX(last_key, '|', 1) AS DOUBLE),
  CAST(SUBSTRING(last_key FROM 1 FOR 15) AS BIGINT),
  CAST(NULLIF(SPLIT_INDEX(last_key, '|', 2), 'n') AS INT),
  IF(group_kind = 'department', group_id, SPLIT_INDEX(last_key, '|', 3)),
  IF(group_kind = 'department', CAST(NULL AS STRING), SPLIT_INDEX(last_key, '|', 4)),
  is_final
FROM (
SELECT 'patient-1m' AS query_id, customer_id, 'patient' AS group_kind, group_id, metric,
    (EXTRACT(EPOCH FROM window_start) * 1000 + EXTRACT(MILLISECOND FROM window_start)) AS window_start_ms, (EXTRACT(EPOCH FROM window_end) * 1000 + EXTRACT(MILLISECOND FROM window_end)) AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, TRUE AS is_final
  FROM TABLE(TUMBLE(TABLE q0_input, DESCRIPTOR(rt), INTERVAL '0 00:01:00' DAY TO SECOND))
  GROUP BY window_start, window_end, customer_id, group_id, metric
UNION ALL
SELECT 'patient-1m' AS query_id, customer_id, 'patient' AS group_kind, group_id, metric,
    (t_ms - MOD(t_ms, 60000)) AS window_start_ms, (t_ms - MOD(t_ms, 60000)) + 60000 AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, FALSE AS is_final
  FROM q0_input
  GROUP BY customer_id, group_id, metric, (t_ms - MOD(t_ms, 60000))
UNION ALL
SELECT 'patient-5m' AS query_id, customer_id, 'patient' AS group_kind, group_id, metric,
    (EXTRACT(EPOCH FROM window_start) * 1000 + EXTRACT(MILLISECOND FROM window_start)) AS window_start_ms, (EXTRACT(EPOCH FROM window_end) * 1000 + EXTRACT(MILLISECOND FROM window_end)) AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, TRUE AS is_final
  FROM TABLE(TUMBLE(TABLE q1_input, DESCRIPTOR(rt), INTERVAL '0 00:05:00' DAY TO SECOND))
  GROUP BY window_start, window_end, customer_id, group_id, metric
UNION ALL
SELECT 'patient-5m' AS query_id, customer_id, 'patient' AS group_kind, group_id, metric,
    (t_ms - MOD(t_ms, 300000)) AS window_start_ms, (t_ms - MOD(t_ms, 300000)) + 300000 AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, FALSE AS is_final
  FROM q1_input
  GROUP BY customer_id, group_id, metric, (t_ms - MOD(t_ms, 300000))
UNION ALL
SELECT 'patient-5m-hop-1m' AS query_id, customer_id, 'patient' AS group_kind, group_id, metric,
    (EXTRACT(EPOCH FROM window_start) * 1000 + EXTRACT(MILLISECOND FROM window_start)) AS window_start_ms, (EXTRACT(EPOCH FROM window_end) * 1000 + EXTRACT(MILLISECOND FROM window_end)) AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, TRUE AS is_final
  FROM TABLE(HOP(TABLE q2_input, DESCRIPTOR(rt), INTERVAL '0 00:01:00' DAY TO SECOND, INTERVAL '0 00:05:00' DAY TO SECOND))
  WHERE wm_ms IS NULL OR (EXTRACT(EPOCH FROM window_end) * 1000 + EXTRACT(MILLISECOND FROM window_end)) + 60000 > wm_ms
  GROUP BY window_start, window_end, customer_id, group_id, metric
UNION ALL
SELECT 'department-5m' AS query_id, customer_id, 'department' AS group_kind, group_id, metric,
    (EXTRACT(EPOCH FROM window_start) * 1000 + EXTRACT(MILLISECOND FROM window_start)) AS window_start_ms, (EXTRACT(EPOCH FROM window_end) * 1000 + EXTRACT(MILLISECOND FROM window_end)) AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, TRUE AS is_final
  FROM TABLE(TUMBLE(TABLE q3_input, DESCRIPTOR(rt), INTERVAL '0 00:05:00' DAY TO SECOND))
  GROUP BY window_start, window_end, customer_id, group_id, metric
UNION ALL
SELECT 'department-5m' AS query_id, customer_id, 'department' AS group_kind, group_id, metric,
    (t_ms - MOD(t_ms, 300000)) AS window_start_ms, (t_ms - MOD(t_ms, 300000)) + 300000 AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, FALSE AS is_final
  FROM q3_input
  GROUP BY customer_id, group_id, metric, (t_ms - MOD(t_ms, 300000))
);

INSERT INTO late_readings
SELECT record_key, payload, MAP[
  'vitals-source', CAST('${INPUT_TOPIC}/' || CAST(src_partition AS STRING) || '/' || CAST(src_offset AS STRING) AS BYTES),
  'vitals-late-queries', CAST(CONCAT_WS(',', IF((TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 60000) + 60000) + 30000 <= wm_ms), 'patient-1m', CAST(NULL AS STRING)), IF((TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 300000) + 300000) + 60000 <= wm_ms), 'patient-5m', CAST(NULL AS STRING)), IF((TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 60000) + 300000) + 60000 <= wm_ms), 'patient-5m-hop-1m', CAST(NULL AS STRING)), IF((TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 300000) + 300000) + 60000 <= wm_ms), 'department-5m', CAST(NULL AS STRING))) AS BYTES),
  'vitals-watermark', CAST(DATE_FORMAT(TO_TIMESTAMP_LTZ(wm_ms, 3), 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS BYTES)]
FROM valid WHERE (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 60000) + 60000) + 30000 <= wm_ms) OR (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 300000) + 300000) + 60000 <= wm_ms) OR (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 60000) + 300000) + 60000 <= wm_ms) OR (TRUE AND wm_ms IS NOT NULL AND (t_ms - MOD(t_ms, 300000) + 300000) + 60000 <= wm_ms);

INSERT INTO readings_dlq
SELECT record_key, 'MALFORMED', 'analytics: ' || problem,
  ROW('${INPUT_TOPIC}', src_partition, CAST(src_offset AS STRING)),
  SUBSTRING(payload FROM 1 FOR 65536),
  IF(CHAR_LENGTH(payload) > 65536, CHAR_LENGTH(payload), CAST(NULL AS INT)),
  DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')
FROM parsed WHERE problem IS NOT NULL;

END;
