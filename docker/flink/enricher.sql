-- The enricher as one Flink SQL job: each reading of `raw-readings` joined with the reference data in effect
-- at its measured time (event-time temporal joins on the Debezium topics), written to `enriched-readings`
-- keyed by patient, exactly once; what cannot be enriched goes to `readings-dlq` with the Node engine's
-- reason codes. `cloud/src/flink/enricher-job.ts` fills the ${...} placeholders (topics, brokers, and the
-- metric catalog's units, ranges, LOINC codes and default bands, so the catalog is declared once, in
-- `shared/src/metric-catalog.ts`) and submits this file through the SQL Gateway. Live readings also go to
-- `alarm-inputs` (keyed by device) with the bands in force, for the alarm stage beside the job.
--
-- Reference versions. Every reference row is a version valid from a time:
--   * devices, beds: from the beginning of time when created (as the Node engine, which looks up the current
--     row), from their commit time when changed or deleted;
--   * device assignments, keyed by device: from valid_from (recorded before, at or after it), so a reading
--     before a bed transfer keeps the old bed and one after it gets the new one; the version carries
--     valid_to, and a reading outside [valid_from, valid_to) has no assignment;
--   * alert thresholds, keyed by (target, metric, priority) as the unique index `alert_thresholds_one_rule`:
--     from their commit time (from the beginning of time when read by the initial snapshot).
-- The reference side's watermark is the commit time of the change events, and each reference source also
-- reads the CDC heartbeat topic, whose commits move it while nothing changes: a reading is joined once the
-- heartbeat has passed its measured time, so no change committed before it can be missed (the Node engine's
-- hold, done by Flink's watermarks). An idle topic stops holding back the join after ${IDLE_TIMEOUT}.

SET 'table.local-time-zone' = 'UTC';
SET 'pipeline.name' = '${JOB_NAME}';
SET 'table.exec.source.idle-timeout' = '${IDLE_TIMEOUT}';
SET 'pipeline.object-reuse' = 'true';

CREATE TEMPORARY TABLE raw_readings (
  payload STRING,
  record_key STRING,
  src_partition INT METADATA FROM 'partition' VIRTUAL,
  src_offset BIGINT METADATA FROM 'offset' VIRTUAL,
  measured_text AS JSON_VALUE(payload, '$.measuredAt'),
  -- measuredAt as an instant (UTC): ISO-8601 with seconds, an optional fraction and Z or an offset.
  measured_ts AS TIMESTAMPADD(MINUTE,
    CASE WHEN REGEXP(JSON_VALUE(payload, '$.measuredAt'), '${ISO_INSTANT_PATTERN}') THEN
      -1 * COALESCE(
        IF(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '([+-])(\d\d):(\d\d)$', 1) = '-', -1, 1)
          * (CAST(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '([+-])(\d\d):(\d\d)$', 2) AS INT) * 60
             + CAST(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '([+-])(\d\d):(\d\d)$', 3) AS INT)),
        0) END,
    TO_TIMESTAMP(
      REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)', 1) || ' '
        || REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)', 2) || '.'
        || SUBSTRING(RPAD(COALESCE(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '\.(\d+)', 1), ''), 3, '0')
                     FROM 1 FOR 3))),
  -- Event time: measuredAt, parsed as above (a computed column cannot use another, hence the repetition). A
  -- record without a readable one (a dead letter, which joins nothing) gets the epoch, so it cannot move the
  -- watermark and make the readings after it late.
  rt AS COALESCE(
    TIMESTAMPADD(MINUTE,
      CASE WHEN REGEXP(JSON_VALUE(payload, '$.measuredAt'), '${ISO_INSTANT_PATTERN}') THEN
        -1 * COALESCE(
          IF(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '([+-])(\d\d):(\d\d)$', 1) = '-', -1, 1)
            * (CAST(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '([+-])(\d\d):(\d\d)$', 2) AS INT) * 60
               + CAST(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '([+-])(\d\d):(\d\d)$', 3) AS INT)),
          0) END,
      TO_TIMESTAMP(
        REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)', 1) || ' '
          || REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)', 2) || '.'
          || SUBSTRING(RPAD(COALESCE(REGEXP_EXTRACT(JSON_VALUE(payload, '$.measuredAt'), '\.(\d+)', 1), ''), 3, '0')
                       FROM 1 FOR 3))),
    TIMESTAMP '1970-01-01 00:00:00.000'),
  WATERMARK FOR rt AS rt - INTERVAL '${READING_OUT_OF_ORDER_SECONDS}' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '${RAW_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${GROUP_ID}',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = '${START_FROM}',
  'scan.watermark.idle-timeout' = '${IDLE_TIMEOUT}',
  'key.format' = 'raw',
  'key.fields' = 'record_key',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY'
);

-- The Debezium change events as they are (JSON envelope, no schema), one source per reference table, each
-- with the heartbeat topic beside it.
CREATE TEMPORARY TABLE cdc_devices (
  `before` ROW<id STRING>,
  `after` ROW<id STRING, customer_id STRING>,
  op STRING,
  `source` ROW<ts_ms BIGINT, snapshot STRING, `table` STRING>,
  rt AS CASE WHEN op IN ('c', 'r') THEN TIMESTAMP '1970-01-01 00:00:00.000'
    ELSE CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3)) END,
  committed AS CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3)),
  WATERMARK FOR rt AS committed
) WITH (
  'connector' = 'kafka',
  'topic' = '${CDC_PREFIX}.public.devices;${CDC_PREFIX}.public.cdc_heartbeat',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${GROUP_ID}-devices',
  'scan.startup.mode' = 'earliest-offset',
  'scan.watermark.idle-timeout' = '${IDLE_TIMEOUT}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

CREATE TEMPORARY TABLE cdc_beds (
  `before` ROW<id STRING>,
  `after` ROW<id STRING, customer_id STRING, department_id STRING, label STRING>,
  op STRING,
  `source` ROW<ts_ms BIGINT, snapshot STRING, `table` STRING>,
  rt AS CASE WHEN op IN ('c', 'r') THEN TIMESTAMP '1970-01-01 00:00:00.000'
    ELSE CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3)) END,
  committed AS CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3)),
  WATERMARK FOR rt AS committed
) WITH (
  'connector' = 'kafka',
  'topic' = '${CDC_PREFIX}.public.beds;${CDC_PREFIX}.public.cdc_heartbeat',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${GROUP_ID}-beds',
  'scan.startup.mode' = 'earliest-offset',
  'scan.watermark.idle-timeout' = '${IDLE_TIMEOUT}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

CREATE TEMPORARY TABLE cdc_assignments (
  `before` ROW<id STRING, device_id STRING>,
  `after` ROW<id STRING, customer_id STRING, device_id STRING, patient_id STRING, bed_id STRING,
              valid_from STRING, valid_to STRING>,
  op STRING,
  `source` ROW<ts_ms BIGINT, snapshot STRING, `table` STRING>,
  committed AS CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3)),
  rt AS COALESCE(TO_TIMESTAMP(REPLACE(SUBSTRING(`after`.valid_from FROM 1 FOR 23), 'T', ' ')),
                 CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3))),
  WATERMARK FOR rt AS committed
) WITH (
  'connector' = 'kafka',
  'topic' = '${CDC_PREFIX}.public.device_assignments;${CDC_PREFIX}.public.cdc_heartbeat',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${GROUP_ID}-assignments',
  'scan.startup.mode' = 'earliest-offset',
  'scan.watermark.idle-timeout' = '${IDLE_TIMEOUT}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

CREATE TEMPORARY TABLE cdc_thresholds (
  `before` ROW<id STRING, customer_id STRING, department_id STRING, patient_id STRING, metric STRING,
               priority STRING>,
  `after` ROW<id STRING, customer_id STRING, `scope` STRING, department_id STRING, patient_id STRING,
              metric STRING, low DOUBLE, high DOUBLE, priority STRING, hysteresis DOUBLE, enabled BOOLEAN>,
  op STRING,
  `source` ROW<ts_ms BIGINT, snapshot STRING, `table` STRING>,
  rt AS CASE WHEN op = 'r' THEN TIMESTAMP '1970-01-01 00:00:00.000'
    ELSE CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3)) END,
  committed AS CAST(TO_TIMESTAMP_LTZ(`source`.ts_ms, 3) AS TIMESTAMP(3)),
  WATERMARK FOR rt AS committed
) WITH (
  'connector' = 'kafka',
  'topic' = '${CDC_PREFIX}.public.alert_thresholds;${CDC_PREFIX}.public.cdc_heartbeat',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${GROUP_ID}-thresholds',
  'scan.startup.mode' = 'earliest-offset',
  'scan.watermark.idle-timeout' = '${IDLE_TIMEOUT}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

-- Versioned views: the latest change per key by version time (Flink infers the key and the time attribute).
CREATE TEMPORARY VIEW device_versions AS
SELECT device_id, present, rt FROM (
  SELECT COALESCE(`after`.id, `before`.id) AS device_id, `after`.id IS NOT NULL AS present, rt,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(`after`.id, `before`.id) ORDER BY rt DESC) AS rn
  FROM cdc_devices WHERE `source`.`table` = 'devices')
WHERE rn = 1;

CREATE TEMPORARY VIEW bed_versions AS
SELECT bed_id, present, department_id, label, rt FROM (
  SELECT COALESCE(`after`.id, `before`.id) AS bed_id, `after`.id IS NOT NULL AS present,
         `after`.department_id AS department_id, `after`.label AS label, rt,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(`after`.id, `before`.id) ORDER BY rt DESC) AS rn
  FROM cdc_beds WHERE `source`.`table` = 'beds')
WHERE rn = 1;

CREATE TEMPORARY VIEW assignment_versions AS
SELECT device_id, assignment_id, customer_id, patient_id, bed_id, valid_from, valid_to, rt FROM (
  SELECT COALESCE(`after`.device_id, `before`.device_id) AS device_id,
         `after`.id AS assignment_id, `after`.customer_id AS customer_id, `after`.patient_id AS patient_id,
         `after`.bed_id AS bed_id,
         TO_TIMESTAMP(REPLACE(SUBSTRING(`after`.valid_from FROM 1 FOR 23), 'T', ' ')) AS valid_from,
         TO_TIMESTAMP(REPLACE(SUBSTRING(`after`.valid_to FROM 1 FOR 23), 'T', ' ')) AS valid_to,
         rt,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(`after`.device_id, `before`.device_id) ORDER BY rt DESC) AS rn
  FROM cdc_assignments WHERE `source`.`table` = 'device_assignments')
WHERE rn = 1;

-- Rule changes by key: its target (patient, department or customer id) and priority, and its metric. A deleted
-- or disabled rule is a version without limits; so is the old key of a rule that a change moved to another
-- target, priority or metric.
CREATE TEMPORARY VIEW threshold_changes AS
SELECT COALESCE(`after`.patient_id, `after`.department_id, `after`.customer_id) || '/' || `after`.priority AS rule_key,
       `after`.metric AS metric, COALESCE(`after`.enabled, FALSE) AS active, `after`.low AS low, `after`.high AS high,
       COALESCE(`after`.hysteresis, CAST(0 AS DOUBLE)) AS hysteresis, rt
FROM cdc_thresholds WHERE `source`.`table` = 'alert_thresholds' AND `after`.id IS NOT NULL
UNION ALL
SELECT COALESCE(`before`.patient_id, `before`.department_id, `before`.customer_id) || '/' || `before`.priority,
       `before`.metric, FALSE, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), rt
FROM cdc_thresholds
WHERE `source`.`table` = 'alert_thresholds' AND `before`.id IS NOT NULL
  AND (`after`.id IS NULL
       OR COALESCE(`after`.patient_id, `after`.department_id, `after`.customer_id) || '/' || `after`.priority
            || '/' || `after`.metric
          <> COALESCE(`before`.patient_id, `before`.department_id, `before`.customer_id) || '/' || `before`.priority
            || '/' || `before`.metric);

CREATE TEMPORARY VIEW threshold_versions AS
SELECT rule_key, metric, active, low, high, hysteresis, rt FROM (
  SELECT rule_key, metric, active, low, high, hysteresis, rt,
         ROW_NUMBER() OVER (PARTITION BY rule_key, metric ORDER BY rt DESC) AS rn
  FROM threshold_changes)
WHERE rn = 1;

-- Each record checked as the Node engine's decodeRawReading does (the reason of the first check that fails).
CREATE TEMPORARY VIEW checked AS
SELECT r.*,
  CASE
    WHEN payload IS NULL OR NOT (payload IS JSON OBJECT) THEN 'MALFORMED'
    WHEN NOT REGEXP(COALESCE(JSON_VALUE(payload, '$.readingId'), ''),
                    '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
      OR NOT REGEXP(COALESCE(JSON_VALUE(payload, '$.deviceId'), ''), '${DEVICE_ID_PATTERN}')
      OR TRY_CAST(JSON_VALUE(payload, '$.deviceSeq') AS BIGINT) IS NULL
      OR COALESCE(JSON_VALUE(payload, '$.metric'), '') NOT IN (${METRIC_LIST})
      OR TRY_CAST(JSON_VALUE(payload, '$.value') AS DOUBLE) IS NULL
      OR JSON_VALUE(payload, '$.unit') IS NULL
      OR JSON_VALUE(payload, '$.receivedAt') IS NULL THEN 'MALFORMED'
    WHEN measured_text IS NULL THEN 'MISSING_TIMESTAMP'
    WHEN measured_ts IS NULL THEN 'MALFORMED'
    WHEN measured_ts > TIMESTAMPADD(HOUR, 24, CAST(CURRENT_TIMESTAMP AS TIMESTAMP(3))) THEN 'FUTURE_TIMESTAMP'
    WHEN measured_ts < TIMESTAMPADD(DAY, -3650, CAST(CURRENT_TIMESTAMP AS TIMESTAMP(3))) THEN 'STALE_TIMESTAMP'
    WHEN JSON_VALUE(payload, '$.unit') <> ${UNIT_OF_METRIC} THEN 'UNIT_MISMATCH'
    WHEN TRY_CAST(JSON_VALUE(payload, '$.value') AS DOUBLE) < ${PLAUSIBLE_MIN_OF_METRIC}
      OR TRY_CAST(JSON_VALUE(payload, '$.value') AS DOUBLE) > ${PLAUSIBLE_MAX_OF_METRIC} THEN 'IMPLAUSIBLE_VALUE'
  END AS reject_reason
FROM (
  SELECT payload, record_key, src_partition, src_offset, measured_text, measured_ts, rt,
         JSON_VALUE(payload, '$.metric') AS metric
  FROM raw_readings) AS r;

CREATE TEMPORARY VIEW readings AS
SELECT record_key, src_partition, src_offset, payload, rt,
  JSON_VALUE(payload, '$.readingId') AS reading_id,
  JSON_VALUE(payload, '$.deviceId') AS device_id,
  TRY_CAST(JSON_VALUE(payload, '$.deviceSeq') AS BIGINT) AS device_seq,
  metric,
  TRY_CAST(JSON_VALUE(payload, '$.value') AS DOUBLE) AS `value`,
  JSON_VALUE(payload, '$.unit') AS unit,
  measured_text AS measured_at,
  JSON_VALUE(payload, '$.receivedAt') AS received_at,
  JSON_VALUE(payload, '$.gatewayId') AS gateway_id,
  JSON_VALUE(payload, '$.historical' RETURNING BOOLEAN) AS historical
FROM checked WHERE reject_reason IS NULL;

-- Placement: the device's assignment and the bed, as of the reading's measured time.
CREATE TEMPORARY VIEW placed AS
SELECT r.*,
  CASE WHEN a.assignment_id IS NOT NULL AND a.valid_from <= r.rt AND (a.valid_to IS NULL OR r.rt < a.valid_to)
    THEN a.assignment_id END AS assignment_id,
  a.customer_id, a.patient_id, a.bed_id,
  b.present AS bed_known, b.department_id, b.label AS bed_label
FROM readings AS r
LEFT JOIN assignment_versions FOR SYSTEM_TIME AS OF r.rt AS a ON a.device_id = r.device_id
LEFT JOIN bed_versions FOR SYSTEM_TIME AS OF r.rt AS b ON b.bed_id = a.bed_id;

-- The few readings without a placement: is their device registered at all? (An assignment implies one.)
CREATE TEMPORARY VIEW unplaced AS
SELECT u.*, d.present AS device_known
FROM (SELECT * FROM placed WHERE assignment_id IS NULL OR bed_known IS NOT TRUE) AS u
LEFT JOIN device_versions FOR SYSTEM_TIME AS OF u.rt AS d ON d.device_id = u.device_id;

-- The rules of each scope and priority in force at the reading's measured time.
CREATE TEMPORARY VIEW ruled AS
SELECT p.*,
  pl.active AS p_low_on, pl.low AS p_low_lo, pl.high AS p_low_hi, pl.hysteresis AS p_low_hy,
  pm.active AS p_med_on, pm.low AS p_med_lo, pm.high AS p_med_hi, pm.hysteresis AS p_med_hy,
  ph.active AS p_high_on, ph.low AS p_high_lo, ph.high AS p_high_hi, ph.hysteresis AS p_high_hy,
  dl.active AS d_low_on, dl.low AS d_low_lo, dl.high AS d_low_hi, dl.hysteresis AS d_low_hy,
  dm.active AS d_med_on, dm.low AS d_med_lo, dm.high AS d_med_hi, dm.hysteresis AS d_med_hy,
  dh.active AS d_high_on, dh.low AS d_high_lo, dh.high AS d_high_hi, dh.hysteresis AS d_high_hy,
  cl.active AS c_low_on, cl.low AS c_low_lo, cl.high AS c_low_hi, cl.hysteresis AS c_low_hy,
  cm.active AS c_med_on, cm.low AS c_med_lo, cm.high AS c_med_hi, cm.hysteresis AS c_med_hy,
  ch.active AS c_high_on, ch.low AS c_high_lo, ch.high AS c_high_hi, ch.hysteresis AS c_high_hy
FROM (SELECT * FROM placed WHERE assignment_id IS NOT NULL AND bed_known IS TRUE) AS p
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS pl
  ON pl.rule_key = p.patient_id || '/low' AND pl.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS pm
  ON pm.rule_key = p.patient_id || '/medium' AND pm.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS ph
  ON ph.rule_key = p.patient_id || '/high' AND ph.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS dl
  ON dl.rule_key = p.department_id || '/low' AND dl.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS dm
  ON dm.rule_key = p.department_id || '/medium' AND dm.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS dh
  ON dh.rule_key = p.department_id || '/high' AND dh.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS cl
  ON cl.rule_key = p.customer_id || '/low' AND cl.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS cm
  ON cm.rule_key = p.customer_id || '/medium' AND cm.metric = p.metric
LEFT JOIN threshold_versions FOR SYSTEM_TIME AS OF p.rt AS ch
  ON ch.rule_key = p.customer_id || '/high' AND ch.metric = p.metric;

-- The bands of the most specific scope that has any enabled rule (patient > department > customer > catalog).
CREATE TEMPORARY VIEW banded AS
SELECT *,
  CASE WHEN `scope` = 'patient' THEN IF(p_low_on IS TRUE, p_low_lo, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_low_on IS TRUE, d_low_lo, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_low_on IS TRUE, c_low_lo, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_LOW_OF_METRIC_LOW} END AS low_lo,
  CASE WHEN `scope` = 'patient' THEN IF(p_low_on IS TRUE, p_low_hi, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_low_on IS TRUE, d_low_hi, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_low_on IS TRUE, c_low_hi, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_HIGH_OF_METRIC_LOW} END AS low_hi,
  CASE WHEN `scope` = 'patient' THEN IF(p_med_on IS TRUE, p_med_lo, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_med_on IS TRUE, d_med_lo, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_med_on IS TRUE, c_med_lo, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_LOW_OF_METRIC_MEDIUM} END AS med_lo,
  CASE WHEN `scope` = 'patient' THEN IF(p_med_on IS TRUE, p_med_hi, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_med_on IS TRUE, d_med_hi, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_med_on IS TRUE, c_med_hi, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_HIGH_OF_METRIC_MEDIUM} END AS med_hi,
  CASE WHEN `scope` = 'patient' THEN IF(p_high_on IS TRUE, p_high_lo, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_high_on IS TRUE, d_high_lo, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_high_on IS TRUE, c_high_lo, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_LOW_OF_METRIC_HIGH} END AS high_lo,
  CASE WHEN `scope` = 'patient' THEN IF(p_high_on IS TRUE, p_high_hi, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_high_on IS TRUE, d_high_hi, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_high_on IS TRUE, c_high_hi, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_HIGH_OF_METRIC_HIGH} END AS high_hi,
  CASE WHEN `scope` = 'patient' THEN IF(p_low_on IS TRUE, p_low_hy, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_low_on IS TRUE, d_low_hy, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_low_on IS TRUE, c_low_hy, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_HYSTERESIS_OF_METRIC_LOW} END AS low_hy,
  CASE WHEN `scope` = 'patient' THEN IF(p_med_on IS TRUE, p_med_hy, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_med_on IS TRUE, d_med_hy, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_med_on IS TRUE, c_med_hy, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_HYSTERESIS_OF_METRIC_MEDIUM} END AS med_hy,
  CASE WHEN `scope` = 'patient' THEN IF(p_high_on IS TRUE, p_high_hy, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'department' THEN IF(d_high_on IS TRUE, d_high_hy, CAST(NULL AS DOUBLE))
       WHEN `scope` = 'customer' THEN IF(c_high_on IS TRUE, c_high_hy, CAST(NULL AS DOUBLE))
       ELSE ${CATALOG_HYSTERESIS_OF_METRIC_HIGH} END AS high_hy,
  (`scope` = 'catalog' AND ${CATALOG_HAS_LOW}) OR p_low_on IS TRUE OR d_low_on IS TRUE OR c_low_on IS TRUE AS has_low,
  (`scope` = 'catalog' AND ${CATALOG_HAS_MEDIUM}) OR p_med_on IS TRUE OR d_med_on IS TRUE OR c_med_on IS TRUE AS has_med,
  (`scope` = 'catalog' AND ${CATALOG_HAS_HIGH}) OR p_high_on IS TRUE OR d_high_on IS TRUE OR c_high_on IS TRUE AS has_high
FROM (
  SELECT *,
    CASE WHEN p_low_on IS TRUE OR p_med_on IS TRUE OR p_high_on IS TRUE THEN 'patient'
         WHEN d_low_on IS TRUE OR d_med_on IS TRUE OR d_high_on IS TRUE THEN 'department'
         WHEN c_low_on IS TRUE OR c_med_on IS TRUE OR c_high_on IS TRUE THEN 'customer'
         ELSE 'catalog' END AS `scope`
  FROM ruled);

-- The highest-priority band breached (below its low limit or above its high limit), if any.
CREATE TEMPORARY VIEW evaluated AS
SELECT *,
  CASE WHEN has_high AND (`value` < high_lo OR `value` > high_hi) THEN 'high'
       WHEN has_med AND (`value` < med_lo OR `value` > med_hi) THEN 'medium'
       WHEN has_low AND (`value` < low_lo OR `value` > low_hi) THEN 'low' END AS breach_priority
FROM banded;

CREATE TEMPORARY TABLE enriched_readings (
  `patientId` STRING,
  `reading` ROW<`readingId` STRING, `deviceId` STRING, `deviceSeq` BIGINT, `metric` STRING, `value` DOUBLE,
                `unit` STRING, `measuredAt` STRING, `receivedAt` STRING, `gatewayId` STRING, `historical` BOOLEAN>,
  `customerId` STRING,
  `bedId` STRING,
  `bedLabel` STRING,
  `departmentId` STRING,
  `assignmentId` STRING,
  `loinc` STRING,
  `threshold` ROW<`state` STRING, `priority` STRING, `scope` STRING, `low` DOUBLE, `high` DOUBLE>,
  `news2` INT,
  `enrichedAt` STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '${ENRICHED_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '${TX_PREFIX}-enriched',
  'key.format' = 'raw',
  'key.fields' = 'patientId',
  'value.format' = 'json',
  'value.fields-include' = 'ALL',
  'value.json.encode.ignore-null-fields' = 'true'
);

CREATE TEMPORARY TABLE readings_dlq (
  record_key STRING,
  `reason` STRING,
  `detail` STRING,
  `source` ROW<`topic` STRING, `partition` INT, `offset` STRING>,
  `readingId` STRING,
  `deviceId` STRING,
  `measuredAt` STRING,
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

-- What the alarm stage needs of each live enriched reading, keyed by device: the alarm episodes (raise,
-- escalate, clear with hysteresis) and device silence are kept per device and metric by the enricher
-- service's alarm stage, which writes `alerts` (`cloud/src/enricher/alarm-input.ts`). Every band of the
-- winning scope goes with the reading, so the stage applies the rules the join found.
CREATE TEMPORARY TABLE alarm_inputs (
  record_key STRING,
  `reading` ROW<`readingId` STRING, `deviceId` STRING, `deviceSeq` BIGINT, `metric` STRING, `value` DOUBLE,
                `unit` STRING, `measuredAt` STRING, `receivedAt` STRING, `gatewayId` STRING, `historical` BOOLEAN>,
  `customerId` STRING,
  `patientId` STRING,
  `departmentId` STRING,
  `bedId` STRING,
  `scope` STRING,
  `bands` ARRAY<ROW<`priority` STRING, `active` BOOLEAN, `low` DOUBLE, `high` DOUBLE, `hysteresis` DOUBLE>>
) WITH (
  'connector' = 'kafka',
  'topic' = '${ALARM_INPUTS_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '${TX_PREFIX}-alarms',
  'key.format' = 'raw',
  'key.fields' = 'record_key',
  'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY',
  'value.json.encode.ignore-null-fields' = 'true'
);

EXECUTE STATEMENT SET BEGIN

INSERT INTO enriched_readings
SELECT patient_id,
  ROW(reading_id, device_id, device_seq, metric, `value`, unit, measured_at, received_at, gateway_id, historical),
  customer_id, bed_id, bed_label, department_id, assignment_id,
  ${LOINC_OF_METRIC},
  CASE breach_priority
    WHEN 'high' THEN ROW(IF(`value` < high_lo, 'low', 'high'), 'high', `scope`, high_lo, high_hi)
    WHEN 'medium' THEN ROW(IF(`value` < med_lo, 'low', 'high'), 'medium', `scope`, med_lo, med_hi)
    WHEN 'low' THEN ROW(IF(`value` < low_lo, 'low', 'high'), 'low', `scope`, low_lo, low_hi)
    ELSE ROW('normal', CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE))
  END,
  ${NEWS2_OF_METRIC},
  DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')
FROM evaluated;

INSERT INTO alarm_inputs
SELECT device_id,
  ROW(reading_id, device_id, device_seq, metric, `value`, unit, measured_at, received_at, gateway_id, historical),
  customer_id, patient_id, department_id, bed_id, `scope`,
  ARRAY[ROW('low', has_low, low_lo, low_hi, low_hy),
        ROW('medium', has_med, med_lo, med_hi, med_hy),
        ROW('high', has_high, high_lo, high_hi, high_hy)]
FROM evaluated WHERE historical IS NOT TRUE;

-- One sink for both kinds (one transactional producer per sink).
INSERT INTO readings_dlq
SELECT record_key, reject_reason,
  CASE reject_reason
    WHEN 'MALFORMED' THEN 'value is not a valid reading'
    WHEN 'MISSING_TIMESTAMP' THEN 'measuredAt is missing'
    WHEN 'UNIT_MISMATCH' THEN 'unit is not the canonical unit of the metric'
    WHEN 'FUTURE_TIMESTAMP' THEN 'measuredAt is more than 24 hours ahead'
    WHEN 'STALE_TIMESTAMP' THEN 'measuredAt is too old'
    ELSE 'value is outside the plausible range of the metric' END,
  ROW('${RAW_TOPIC}', src_partition, CAST(src_offset AS STRING)),
  JSON_VALUE(payload, '$.readingId'), JSON_VALUE(payload, '$.deviceId'), measured_text,
  SUBSTRING(payload FROM 1 FOR ${DEAD_LETTER_ORIGINAL_MAX}),
  IF(CHAR_LENGTH(payload) > ${DEAD_LETTER_ORIGINAL_MAX}, CHAR_LENGTH(payload), CAST(NULL AS INT)),
  DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')
FROM checked WHERE reject_reason IS NOT NULL
UNION ALL
SELECT record_key,
  IF(device_known IS TRUE, 'NO_ASSIGNMENT_AT_MEASURED_TIME', 'UNKNOWN_DEVICE'),
  IF(device_known IS TRUE, 'device ' || device_id || ' has no assignment at ' || measured_at,
     'device ' || device_id || ' is not registered'),
  ROW('${RAW_TOPIC}', src_partition, CAST(src_offset AS STRING)),
  reading_id, device_id, measured_at,
  SUBSTRING(payload FROM 1 FOR ${DEAD_LETTER_ORIGINAL_MAX}),
  IF(CHAR_LENGTH(payload) > ${DEAD_LETTER_ORIGINAL_MAX}, CHAR_LENGTH(payload), CAST(NULL AS INT)),
  DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')
FROM unplaced;

END;
