/**
 * The metric catalog and the NEWS2 bands as Flink SQL expressions over a column named `metric` (and `value`),
 * for the ${...} placeholders of `docker/flink/enricher.sql`: the catalog stays declared once, in
 * `@vitals/shared`, and the SQL job cannot drift from it. Pure.
 */
import {
  DEAD_LETTER_ORIGINAL_MAX,
  DEVICE_ID_PATTERN,
  METRIC_CATALOG,
  METRIC_CODES,
  type AlarmPriority,
  type MetricCode,
} from '@vitals/shared';

const PRIORITIES: readonly AlarmPriority[] = ['low', 'medium', 'high'];

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function sqlNumber(n: number | undefined): string {
  return n === undefined ? 'CAST(NULL AS DOUBLE)' : `CAST(${String(n)} AS DOUBLE)`;
}

/** `CASE metric WHEN 'heart_rate' THEN ... END` over every metric of the catalog. */
function byMetric(valueOf: (m: MetricCode) => string, otherwise: string): string {
  const arms = METRIC_CODES.map((m) => `WHEN ${sqlString(m)} THEN ${valueOf(m)}`).join(' ');
  return `CASE metric ${arms} ELSE ${otherwise} END`;
}

function catalogBand(m: MetricCode, priority: AlarmPriority) {
  return METRIC_CATALOG[m].defaultThresholds.find((t) => t.priority === priority);
}

/**
 * NEWS2 sub-score of `value` per metric, as `news2SubScore` in `@vitals/shared` (RCP 2017, scale 1 on air);
 * the differential test proves the two agree on every band edge.
 */
function news2Expression(): string {
  const rr =
    'CASE WHEN `value` <= 8 THEN 3 WHEN `value` <= 11 THEN 1 WHEN `value` <= 20 THEN 0 WHEN `value` <= 24 THEN 2 ELSE 3 END';
  const spo2 = 'CASE WHEN `value` <= 91 THEN 3 WHEN `value` <= 93 THEN 2 WHEN `value` <= 95 THEN 1 ELSE 0 END';
  const sys =
    'CASE WHEN `value` <= 90 THEN 3 WHEN `value` <= 100 THEN 2 WHEN `value` <= 110 THEN 1 WHEN `value` <= 219 THEN 0 ELSE 3 END';
  const hr =
    'CASE WHEN `value` <= 40 THEN 3 WHEN `value` <= 50 THEN 1 WHEN `value` <= 90 THEN 0 WHEN `value` <= 110 THEN 1 WHEN `value` <= 130 THEN 2 ELSE 3 END';
  const t = 'ROUND(`value`, 1)';
  const temp = `CASE WHEN ${t} <= 35.0 THEN 3 WHEN ${t} <= 36.0 THEN 1 WHEN ${t} <= 38.0 THEN 0 WHEN ${t} <= 39.0 THEN 1 ELSE 2 END`;
  const forParam: Record<NonNullable<(typeof METRIC_CATALOG)[MetricCode]['news2']>, string> = {
    respiration_rate: rr,
    spo2_scale1: spo2,
    systolic_bp: sys,
    pulse: hr,
    temperature: temp,
  };
  return byMetric((m) => {
    const p = METRIC_CATALOG[m].news2;
    return p ? forParam[p] : 'CAST(NULL AS INT)';
  }, 'CAST(NULL AS INT)');
}

/** The catalog placeholders of the enricher job. */
export function catalogSqlValues(): Record<string, string | number> {
  const values: Record<string, string | number> = {
    METRIC_LIST: METRIC_CODES.map(sqlString).join(', '),
    DEVICE_ID_PATTERN: DEVICE_ID_PATTERN.replace(/'/g, "''"),
    DEAD_LETTER_ORIGINAL_MAX,
    UNIT_OF_METRIC: byMetric((m) => sqlString(METRIC_CATALOG[m].unit), 'CAST(NULL AS STRING)'),
    PLAUSIBLE_MIN_OF_METRIC: byMetric((m) => sqlNumber(METRIC_CATALOG[m].plausible.min), 'CAST(NULL AS DOUBLE)'),
    PLAUSIBLE_MAX_OF_METRIC: byMetric((m) => sqlNumber(METRIC_CATALOG[m].plausible.max), 'CAST(NULL AS DOUBLE)'),
    LOINC_OF_METRIC: byMetric((m) => sqlString(METRIC_CATALOG[m].loinc), 'CAST(NULL AS STRING)'),
    NEWS2_OF_METRIC: news2Expression(),
  };
  for (const p of PRIORITIES) {
    const P = p.toUpperCase();
    values[`CATALOG_LOW_OF_METRIC_${P}`] = byMetric((m) => sqlNumber(catalogBand(m, p)?.low), 'CAST(NULL AS DOUBLE)');
    values[`CATALOG_HIGH_OF_METRIC_${P}`] = byMetric((m) => sqlNumber(catalogBand(m, p)?.high), 'CAST(NULL AS DOUBLE)');
    values[`CATALOG_HYSTERESIS_OF_METRIC_${P}`] = byMetric(
      (m) => sqlNumber(catalogBand(m, p)?.hysteresis),
      'CAST(NULL AS DOUBLE)',
    );
    const withBand = METRIC_CODES.filter((m) => catalogBand(m, p) !== undefined);
    values[`CATALOG_HAS_${P}`] = withBand.length > 0 ? `metric IN (${withBand.map(sqlString).join(', ')})` : 'FALSE';
  }
  return values;
}
