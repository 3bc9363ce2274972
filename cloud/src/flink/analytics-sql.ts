/**
 * The window definitions (`docker/analytics/queries.json`, the one declaration) as a Flink SQL job: the text of
 * `docker/analytics/queries.sql`, generated so the two engines cannot drift (`npx vitals flink analytics-sql
 * --write` regenerates it; a unit test fails while the committed file differs). Pure.
 *
 * The job computes what the Node engine computes, with the same rules:
 * - **Event time.** measuredAt; a partition's watermark is its latest measured time minus the bound. Flink's
 *   own watermark is declared later still, by the largest grace of all queries (and 1 ms, since Flink fires a
 *   window when the watermark reaches its end minus 1 ms), so a window TVF fires exactly when the Node engine
 *   makes the window final: once the bound-only watermark passed its end plus the largest grace.
 * - **Late readings.** `CURRENT_WATERMARK` at the source is the watermark before the record (emitted on every
 *   event); a reading none of whose windows of a query is still open under the bound-only watermark (end plus
 *   that query's grace) is late for the query, is counted in none of its windows, and goes to late-readings
 *   once, naming the queries it was late for. A hopping window that closed under its own grace takes nothing
 *   more (the filter after the TVF), as in the Node engine.
 * - **Aggregates.** count, exact sum in thousandths, min, max, and `last` by (measured time, value) with its
 *   NEWS2 score, department and bed, encoded as one sortable string whose MAX is the latest reading.
 * - **Output.** One upsert-kafka topic of window rows keyed by (query, group, metric, window start): the final
 *   row of each window from the window TVF, and for `emit: changes` queries the running row after each reading
 *   from a non-windowed GROUP BY. The analytics service applies the topic to PostgreSQL exactly once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEAD_LETTER_ORIGINAL_MAX, METRIC_CODES } from '@vitals/shared';
import { REPO_ROOT } from '../analytics/config.js';
import { loadQueriesFile, type WindowQuery } from '../analytics/queries/compile.js';
import { sqlString } from './catalog-sql.js';
import { FlinkErrors } from './errors.js';

/** measuredAt as an instant (UTC) from ISO-8601 text with seconds, an optional fraction and Z or an offset. */
function instantOf(text: string): string {
  const offset = (group: number) => `REGEXP_EXTRACT(${text}, '([+-])(\\d\\d):(\\d\\d)$', ${group})`;
  const datePart = (group: number) => `REGEXP_EXTRACT(${text}, '^(\\d{4}-\\d\\d-\\d\\d)T(\\d\\d:\\d\\d:\\d\\d)', ${group})`;
  return `TIMESTAMPADD(MINUTE,
      CASE WHEN REGEXP(${text}, '\${ISO_INSTANT_PATTERN}') THEN
        -1 * COALESCE(IF(${offset(1)} = '-', -1, 1) * (CAST(${offset(2)} AS INT) * 60 + CAST(${offset(3)} AS INT)), 0)
      END,
      TO_TIMESTAMP(${datePart(1)} || ' ' || ${datePart(2)} || '.'
        || SUBSTRING(RPAD(COALESCE(REGEXP_EXTRACT(${text}, '\\.(\\d+)', 1), ''), 3, '0') FROM 1 FOR 3)))`;
}

/** Milliseconds since the epoch of a TIMESTAMP(3) expression. */
function epochMs(ts: string): string {
  return `(EXTRACT(EPOCH FROM ${ts}) * 1000 + EXTRACT(MILLISECOND FROM ${ts}))`;
}

function seconds(ms: number, what: string): number {
  if (ms % 1000 !== 0)
    throw FlinkErrors.FLINK_ERR_SQL_SCRIPT('docker/analytics/queries.json', `${what} must be whole seconds on Flink`);
  return ms / 1000;
}

/** A SQL interval literal of whole seconds, `INTERVAL 'd hh:mm:ss' DAY TO SECOND` (any size up to 99 days). */
function interval(ms: number, what: string): string {
  const s = seconds(ms, what);
  const pad = (n: number) => String(n).padStart(2, '0');
  const d = Math.floor(s / 86_400);
  return `INTERVAL '${d} ${pad(Math.floor((s % 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}' DAY TO SECOND`;
}

const UUID = String.raw`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`;

/** Per query: a reading's latest window end (ms), from its measured time `t_ms`. */
function latestEnd(q: WindowQuery): string {
  return `(t_ms - MOD(t_ms, ${q.window.advanceMs}) + ${q.window.sizeMs})`;
}

function takes(q: WindowQuery): string {
  if (q.metrics === undefined) return 'TRUE';
  return `metric IN (${[...q.metrics].map(sqlString).join(', ')})`;
}

/** True when the reading is late for `q`: none of its windows of `q` is open under the bound-only watermark. */
function lateFor(q: WindowQuery): string {
  return `(${takes(q)} AND wm_ms IS NOT NULL AND ${latestEnd(q)} + ${q.graceMs} <= wm_ms)`;
}

function groupColumn(q: WindowQuery): string {
  return q.group === 'patient' ? 'patient_id' : 'department_id';
}

function view(q: WindowQuery, i: number): string {
  return `q${i}_input`;
}

/** The columns of a window row, from an aggregate over readings (`start`, `end` in ms). */
function rowSelect(q: WindowQuery, start: string, end: string, final: boolean): string {
  return `SELECT ${sqlString(q.id)} AS query_id, customer_id, ${sqlString(q.group)} AS group_kind, group_id, metric,
    ${start} AS window_start_ms, ${end} AS window_end_ms, COUNT(*) AS cnt, SUM(v_milli) AS sum_milli,
    MIN(v) AS min_value, MAX(v) AS max_value, MAX(last_key) AS last_key, ${final ? 'TRUE' : 'FALSE'} AS is_final`;
}

function finalRows(q: WindowQuery, i: number): string {
  const size = interval(q.window.sizeMs, `${q.id}: window size`);
  const tvf =
    q.window.kind === 'tumbling'
      ? `TUMBLE(TABLE ${view(q, i)}, DESCRIPTOR(rt), ${size})`
      : `HOP(TABLE ${view(q, i)}, DESCRIPTOR(rt), ${interval(q.window.advanceMs, `${q.id}: advance`)}, ${size})`;
  // A hopping reading is put in each of its windows still open under this query's grace.
  const open = q.window.kind === 'hopping' ? `\n  WHERE wm_ms IS NULL OR ${epochMs('window_end')} + ${q.graceMs} > wm_ms` : '';
  return `${rowSelect(q, epochMs('window_start'), epochMs('window_end'), true)}
  FROM TABLE(${tvf})${open}
  GROUP BY window_start, window_end, customer_id, group_id, metric`;
}

function changeRows(q: WindowQuery, i: number): string {
  const start = `(t_ms - MOD(t_ms, ${q.window.sizeMs}))`;
  return `${rowSelect(q, start, `${start} + ${q.window.sizeMs}`, false)}
  FROM ${view(q, i)}
  GROUP BY customer_id, group_id, metric, ${start}`;
}

export interface AnalyticsSqlOptions {
  /** Where the generated text says it came from. */
  readonly source: string;
}

/**
 * The job's SQL for `queries`, with `${...}` placeholders for what the deployment decides (topics, brokers,
 * group, transactional prefix, bound, idle timeout, start position).
 */
export function analyticsSql(queries: readonly WindowQuery[], o: AnalyticsSqlOptions): string {
  if (queries.length === 0) throw FlinkErrors.FLINK_ERR_SQL_SCRIPT(o.source, 'no queries');
  for (const q of queries) {
    if (q.emit === 'changes' && q.window.kind === 'hopping') {
      throw FlinkErrors.FLINK_ERR_SQL_SCRIPT(o.source, `${q.id}: emit "changes" on a hopping window is not supported on Flink`);
    }
    seconds(q.graceMs, `${q.id}: grace`);
  }
  const maxGrace = Math.max(...queries.map((q) => q.graceMs));
  const longest = Math.max(...queries.map((q) => q.window.sizeMs + q.graceMs));
  const stateTtlSeconds = Math.ceil(Math.max(600_000, longest + 300_000) / 1000);
  const views = queries
    .map(
      (q, i) => `-- ${q.id}: ${q.description}
CREATE TEMPORARY VIEW ${view(q, i)} AS
SELECT rt, t_ms, wm_ms, customer_id, ${groupColumn(q)} AS group_id, metric, v, v_milli, last_key FROM valid
WHERE ${takes(q)} AND NOT ${lateFor(q)};`,
    )
    .join('\n\n');
  const rows = queries
    .flatMap((q, i) => (q.emit === 'changes' ? [finalRows(q, i), changeRows(q, i)] : [finalRows(q, i)]))
    .join('\nUNION ALL\n');
  const lateList = `CONCAT_WS(',', ${queries.map((q) => `IF(${lateFor(q)}, ${sqlString(q.id)}, CAST(NULL AS STRING))`).join(', ')})`;
  const anyLate = queries.map(lateFor).join(' OR ');
  const metrics = METRIC_CODES.map(sqlString).join(', ');
  const text = `-- GENERATED from ${o.source} by cloud/src/flink/analytics-sql.ts: do not edit; regenerate with
--   npx vitals flink analytics-sql --write
-- The analytics windows as one Flink SQL job (docs/analytics.md "Engines"): the final row of every window from
-- the window TVFs, the running row of \`emit: changes\` queries after each reading, readings late for a query to
-- late-readings, input that is not an enriched reading to readings-dlq. \`cloud/src/flink/analytics-job.ts\`
-- fills the \${...} placeholders and submits it through the SQL Gateway.

SET 'table.local-time-zone' = 'UTC';
SET 'pipeline.name' = '\${JOB_NAME}';
SET 'table.exec.source.idle-timeout' = '\${IDLE_TIMEOUT}';
SET 'pipeline.object-reuse' = 'true';
-- Reading ids (deduplication) and the running rows of open windows (emit changes) are kept this long after
-- their last use: longer than any window stays open. The window TVFs' state ends with their windows.
SET 'table.exec.state.ttl' = '${stateTtlSeconds} s';
-- One plan block per shared view (one deduplication operator, whose watermark decides lateness for every
-- branch: the windows and the late-readings sink must see the same one).
SET 'table.optimizer.reuse-optimize-block-with-digest-enabled' = 'true';
-- Final and running rows of one window meet only in the topic; its consumer keeps the final one.
SET 'table.exec.sink.upsert-materialize' = 'NONE';

-- Flink's watermark: the bound plus the largest grace (${maxGrace} ms) plus 1 ms behind the latest measured time.
CREATE TEMPORARY TABLE enriched_input (
  payload STRING,
  record_key STRING,
  src_partition INT METADATA FROM 'partition' VIRTUAL,
  src_offset BIGINT METADATA FROM 'offset' VIRTUAL,
  pt AS PROCTIME(),
  -- A record without a readable measuredAt (a dead letter) gets the epoch: it cannot move the watermark.
  rt AS COALESCE(${instantOf("JSON_VALUE(payload, '$.reading.measuredAt')")},
    TIMESTAMP '1970-01-01 00:00:00.000'),
  WATERMARK FOR rt AS TIMESTAMPADD(MILLISECOND, -(\${OUT_OF_ORDER_MS} + ${maxGrace + 1}), rt)
) WITH (
  'connector' = 'kafka',
  'topic' = '\${INPUT_TOPIC}',
  'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'properties.group.id' = '\${GROUP_ID}',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = '\${START_FROM}',
  'scan.watermark.idle-timeout' = '\${IDLE_TIMEOUT}',
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
       WHEN metric IS NULL OR metric NOT IN (${metrics}) THEN 'reading.metric is not a metric code'
       WHEN v IS NULL THEN 'reading.value is not a number'
       WHEN reading_id IS NULL THEN 'reading.readingId is missing'
       WHEN NOT REGEXP(COALESCE(customer_id, ''), '${UUID}') THEN 'customerId is not a uuid'
       WHEN NOT REGEXP(COALESCE(patient_id, ''), '${UUID}') THEN 'patientId is not a uuid'
       WHEN NOT REGEXP(COALESCE(department_id, ''), '${UUID}') THEN 'departmentId is not a uuid'
       WHEN NOT REGEXP(COALESCE(bed_id, ''), '${UUID}') THEN 'bedId is not a uuid'
       WHEN news2 IS NOT NULL AND (news2 < 0 OR news2 > 3) THEN 'news2 is not 0 to 3'
  END AS problem
FROM (
  SELECT payload, record_key, src_partition, src_offset, rt, pt,
    ${epochMs('rt')} AS t_ms,
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
-- \`last\` as a string whose MAX is the reading with the latest (measured time, value): both zero-padded, then
-- the value as written, its NEWS2 score (n: none), department and bed.
CREATE TEMPORARY VIEW valid AS
SELECT payload, record_key, src_partition, src_offset, rt, t_ms,
  ${epochMs('CURRENT_WATERMARK(rt)')} + ${maxGrace + 1} AS wm_ms,
  customer_id, patient_id, department_id, metric, v,
  CAST(ROUND(v * 1000) AS BIGINT) AS v_milli,
  LPAD(CAST(t_ms AS STRING), 15, '0') || LPAD(CAST(CAST(ROUND(v * 1000) AS BIGINT) + 1000000000000 AS STRING), 16, '0')
    || '|' || CAST(v AS STRING) || '|' || COALESCE(CAST(news2 AS STRING), 'n') || '|' || department_id || '|' || bed_id
    AS last_key
FROM first_seen;

${views}

CREATE TEMPORARY TABLE window_results (
  query_id STRING,
  group_id STRING,
  metric STRING,
  window_start_ms BIGINT,
  customer_id STRING,
  group_kind STRING,
  window_end_ms BIGINT,
  \`count\` BIGINT,
  sum_milli BIGINT,
  \`min\` DOUBLE,
  \`max\` DOUBLE,
  \`last\` DOUBLE,
  last_measured_at_ms BIGINT,
  last_news2 INT,
  department_id STRING,
  bed_id STRING,
  is_final BOOLEAN,
  PRIMARY KEY (query_id, group_id, metric, window_start_ms) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '\${RESULTS_TOPIC}',
  'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '\${TX_PREFIX}-windows',
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
  'topic' = '\${LATE_TOPIC}',
  'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '\${TX_PREFIX}-late',
  'key.format' = 'raw',
  'key.fields' = 'record_key',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY'
);

CREATE TEMPORARY TABLE readings_dlq (
  record_key STRING,
  \`reason\` STRING,
  \`detail\` STRING,
  \`source\` ROW<\`topic\` STRING, \`partition\` INT, \`offset\` STRING>,
  \`original\` STRING,
  \`originalBytes\` INT,
  \`at\` STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '\${DLQ_TOPIC}',
  'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'properties.transaction.timeout.ms' = '600000',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = '\${TX_PREFIX}-dlq',
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
${rows}
);

INSERT INTO late_readings
SELECT record_key, payload, MAP[
  'vitals-source', CAST('\${INPUT_TOPIC}/' || CAST(src_partition AS STRING) || '/' || CAST(src_offset AS STRING) AS BYTES),
  'vitals-late-queries', CAST(${lateList} AS BYTES),
  'vitals-watermark', CAST(DATE_FORMAT(TO_TIMESTAMP_LTZ(wm_ms, 3), 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS BYTES)]
FROM valid WHERE ${anyLate};

INSERT INTO readings_dlq
SELECT record_key, 'MALFORMED', 'analytics: ' || problem,
  ROW('\${INPUT_TOPIC}', src_partition, CAST(src_offset AS STRING)),
  SUBSTRING(payload FROM 1 FOR ${DEAD_LETTER_ORIGINAL_MAX}),
  IF(CHAR_LENGTH(payload) > ${DEAD_LETTER_ORIGINAL_MAX}, CHAR_LENGTH(payload), CAST(NULL AS INT)),
  DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')
FROM parsed WHERE problem IS NOT NULL;

END;
`;
  return text;
}

/** The window definitions file the repository keeps, and the generated SQL beside it. */
export const QUERIES_JSON_FILE = fileURLToPath(new URL('../../../docker/analytics/queries.json', import.meta.url));
export const QUERIES_SQL_FILE = fileURLToPath(new URL('../../../docker/analytics/queries.sql', import.meta.url));

/** The SQL generated from a definitions file (its path as written in the header: relative to the repository). */
export function analyticsSqlOf(file = QUERIES_JSON_FILE): string {
  return analyticsSql(loadQueriesFile(file), { source: path.relative(REPO_ROOT, file) });
}
