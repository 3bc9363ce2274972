/**
 * The metric catalog: every vital sign the platform understands, with its LOINC code, the IEEE 11073 MDC
 * source codes that map to it, its canonical UCUM unit (and accepted aliases), and the physiologically
 * plausible range outside which a value is rejected as an artefact. Facts from ../shared/notes/clinical.md.
 *
 * Plausible ranges are deliberately wide: they catch probe artefacts and unit mistakes, never a sick patient.
 * Alarm limits are a different thing (see `defaultThresholds` and the configuration document).
 */
import { Type, type Static } from '@sinclair/typebox';

export const METRIC_CODES = ['heart_rate', 'spo2', 'resp_rate', 'nibp_sys', 'nibp_dia', 'nibp_mean', 'temperature'] as const;

export type MetricCode = (typeof METRIC_CODES)[number];

export const MetricCodeSchema = Type.Union(
  METRIC_CODES.map((m) => Type.Literal(m)),
  { $id: 'MetricCode', description: 'Metric code from the catalog' },
);

export const AlarmPrioritySchema = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')], {
  $id: 'AlarmPriority',
  description: 'IEC 60601-1-8 alarm priority',
});
export type AlarmPriority = Static<typeof AlarmPrioritySchema>;

/** Ordering of priorities, for escalation and precedence decisions. */
export const PRIORITY_RANK: Readonly<Record<AlarmPriority, number>> = { low: 1, medium: 2, high: 3 };

export interface UnitAlias {
  /** How the unit is spelled by some sender (UCUM, MDC dimension reference id or code, or a common spelling). */
  readonly spelling: string;
  /** Converts a value in this unit to the canonical unit. Absent when the alias is the same unit. */
  readonly toCanonical?: (value: number) => number;
}

export interface MdcSourceCode {
  readonly code: number;
  readonly refid: string;
}

export interface DefaultThreshold {
  readonly low?: number;
  readonly high?: number;
  readonly priority: AlarmPriority;
  readonly hysteresis: number;
}

export interface MetricDefinition {
  readonly code: MetricCode;
  readonly displayName: string;
  readonly loinc: string;
  /** Extra LOINC codes some profiles expect beside the primary one (FHIR vital-signs for SpO2). */
  readonly loincAlternates: readonly string[];
  readonly mdc: readonly MdcSourceCode[];
  /** Canonical UCUM unit; every stored and forwarded reading carries this unit. */
  readonly unit: string;
  readonly unitAliases: readonly UnitAlias[];
  readonly plausible: { readonly min: number; readonly max: number };
  readonly decimals: number;
  /** Catalog defaults used when no customer, department or patient rule applies (ordered low to high priority). */
  readonly defaultThresholds: readonly DefaultThreshold[];
  /** NEWS2 parameter this metric scores, if any. */
  readonly news2?: 'respiration_rate' | 'spo2_scale1' | 'systolic_bp' | 'pulse' | 'temperature';
}

const same = (...spellings: string[]): UnitAlias[] => spellings.map((spelling) => ({ spelling }));

export const METRIC_CATALOG: Readonly<Record<MetricCode, MetricDefinition>> = Object.freeze({
  heart_rate: {
    code: 'heart_rate',
    displayName: 'Heart rate',
    loinc: '8867-4',
    loincAlternates: [],
    mdc: [
      { code: 147842, refid: 'MDC_ECG_HEART_RATE' },
      { code: 149530, refid: 'MDC_PULS_OXIM_PULS_RATE' },
      { code: 149514, refid: 'MDC_PULS_RATE' },
    ],
    unit: '/min',
    unitAliases: same('/min', '{beats}/min', 'bpm', 'MDC_DIM_BEAT_PER_MIN', '264864'),
    plausible: { min: 15, max: 300 },
    decimals: 0,
    defaultThresholds: [
      { low: 50, high: 120, priority: 'medium', hysteresis: 3 },
      { low: 40, high: 140, priority: 'high', hysteresis: 3 },
    ],
    news2: 'pulse',
  },
  spo2: {
    code: 'spo2',
    displayName: 'SpO2',
    loinc: '59408-5',
    loincAlternates: ['2708-6'],
    mdc: [
      { code: 150456, refid: 'MDC_PULS_OXIM_SAT_O2' },
      { code: 150324, refid: 'MDC_SAT_O2' },
    ],
    unit: '%',
    unitAliases: same('%', 'MDC_DIM_PERCENT', '262688'),
    plausible: { min: 30, max: 100 },
    decimals: 0,
    defaultThresholds: [
      { low: 92, priority: 'medium', hysteresis: 1 },
      { low: 88, priority: 'high', hysteresis: 1 },
    ],
    news2: 'spo2_scale1',
  },
  resp_rate: {
    code: 'resp_rate',
    displayName: 'Respiratory rate',
    loinc: '9279-1',
    loincAlternates: [],
    mdc: [
      { code: 151562, refid: 'MDC_RESP_RATE' },
      { code: 151554, refid: 'MDC_CO2_RESP_RATE' },
    ],
    unit: '/min',
    unitAliases: same('/min', '{breaths}/min', 'brpm', 'MDC_DIM_RESP_PER_MIN', '264928'),
    plausible: { min: 0, max: 100 },
    decimals: 0,
    defaultThresholds: [
      { low: 8, high: 25, priority: 'medium', hysteresis: 1 },
      { low: 6, high: 30, priority: 'high', hysteresis: 1 },
    ],
    news2: 'respiration_rate',
  },
  nibp_sys: {
    code: 'nibp_sys',
    displayName: 'NIBP systolic',
    loinc: '8480-6',
    loincAlternates: [],
    mdc: [
      { code: 150021, refid: 'MDC_PRESS_BLD_NONINV_SYS' },
      { code: 150017, refid: 'MDC_PRESS_BLD_SYS' },
    ],
    unit: 'mm[Hg]',
    unitAliases: same('mm[Hg]', 'mmHg', 'MDC_DIM_MMHG', '266016'),
    plausible: { min: 30, max: 300 },
    decimals: 0,
    defaultThresholds: [
      { low: 90, high: 180, priority: 'medium', hysteresis: 3 },
      { low: 80, high: 220, priority: 'high', hysteresis: 3 },
    ],
    news2: 'systolic_bp',
  },
  nibp_dia: {
    code: 'nibp_dia',
    displayName: 'NIBP diastolic',
    loinc: '8462-4',
    loincAlternates: [],
    mdc: [
      { code: 150022, refid: 'MDC_PRESS_BLD_NONINV_DIA' },
      { code: 150018, refid: 'MDC_PRESS_BLD_DIA' },
    ],
    unit: 'mm[Hg]',
    unitAliases: same('mm[Hg]', 'mmHg', 'MDC_DIM_MMHG', '266016'),
    plausible: { min: 10, max: 250 },
    decimals: 0,
    defaultThresholds: [{ low: 40, high: 110, priority: 'medium', hysteresis: 3 }],
  },
  nibp_mean: {
    code: 'nibp_mean',
    displayName: 'NIBP mean',
    loinc: '8478-0',
    loincAlternates: [],
    mdc: [
      { code: 150023, refid: 'MDC_PRESS_BLD_NONINV_MEAN' },
      { code: 150019, refid: 'MDC_PRESS_BLD_MEAN' },
    ],
    unit: 'mm[Hg]',
    unitAliases: same('mm[Hg]', 'mmHg', 'MDC_DIM_MMHG', '266016'),
    plausible: { min: 15, max: 270 },
    decimals: 0,
    defaultThresholds: [{ low: 60, high: 130, priority: 'medium', hysteresis: 3 }],
  },
  temperature: {
    code: 'temperature',
    displayName: 'Body temperature',
    loinc: '8310-5',
    loincAlternates: [],
    mdc: [
      { code: 150364, refid: 'MDC_TEMP_BODY' },
      { code: 150344, refid: 'MDC_TEMP' },
    ],
    unit: 'Cel',
    unitAliases: [
      ...same('Cel', '°C', 'degC', 'MDC_DIM_DEGC', '268192'),
      { spelling: '[degF]', toCanonical: (f) => ((f - 32) * 5) / 9 },
      { spelling: 'MDC_DIM_FAHR', toCanonical: (f) => ((f - 32) * 5) / 9 },
      { spelling: '266560', toCanonical: (f) => ((f - 32) * 5) / 9 },
    ],
    plausible: { min: 25, max: 45 },
    decimals: 1,
    defaultThresholds: [
      { low: 35.0, high: 38.5, priority: 'medium', hysteresis: 0.2 },
      { low: 34.0, high: 39.5, priority: 'high', hysteresis: 0.2 },
    ],
    news2: 'temperature',
  },
});

export function isMetricCode(value: unknown): value is MetricCode {
  return typeof value === 'string' && Object.hasOwn(METRIC_CATALOG, value);
}

const byMdcCode = new Map<number, MetricCode>();
const byMdcRefid = new Map<string, MetricCode>();
for (const def of Object.values(METRIC_CATALOG)) {
  for (const { code, refid } of def.mdc) {
    byMdcCode.set(code, def.code);
    byMdcRefid.set(refid, def.code);
  }
}

/**
 * Maps a source observation identifier (MDC numeric code, MDC reference id, LOINC code, or our own metric
 * code) to a catalog metric; several source codes map to one metric. Returns undefined when unknown.
 */
export function metricFromSourceCode(code: string | number): MetricCode | undefined {
  if (typeof code === 'number') return byMdcCode.get(code);
  const trimmed = code.trim();
  if (/^\d+$/.test(trimmed)) return byMdcCode.get(Number(trimmed));
  if (isMetricCode(trimmed)) return trimmed;
  const refid = byMdcRefid.get(trimmed);
  if (refid) return refid;
  for (const def of Object.values(METRIC_CATALOG)) {
    if (def.loinc === trimmed || def.loincAlternates.includes(trimmed)) return def.code;
  }
  return undefined;
}

export type UnitResult = { ok: true; value: number; unit: string } | { ok: false; expected: string };

/**
 * Normalises a value sent in `unit` to the metric's canonical unit. An absent unit means the sender uses the
 * canonical unit (our own JSON frames carry no unit). A unit that is not an accepted alias is a mismatch.
 */
export function toCanonicalUnit(metric: MetricCode, value: number, unit: string | undefined): UnitResult {
  const def = METRIC_CATALOG[metric];
  if (unit === undefined || unit === '') return { ok: true, value, unit: def.unit };
  const alias = def.unitAliases.find((a) => a.spelling === unit.trim());
  if (!alias) return { ok: false, expected: def.unit };
  return { ok: true, value: alias.toCanonical ? alias.toCanonical(value) : value, unit: def.unit };
}

export function isPlausible(metric: MetricCode, value: number): boolean {
  const { min, max } = METRIC_CATALOG[metric].plausible;
  return Number.isFinite(value) && value >= min && value <= max;
}

/**
 * Blood pressure as one measurement: the LOINC panel whose components are the NIBP metrics measured together
 * (one cuff inflation gives systolic, diastolic and mean at the same measured-at time). The FHIR API serves it
 * as the vital-signs BP panel (systolic and diastolic required, mean optional).
 */
export const BLOOD_PRESSURE_PANEL = Object.freeze({
  loinc: '85354-9',
  displayName: 'Blood pressure',
  systolic: 'nibp_sys' as const,
  diastolic: 'nibp_dia' as const,
  mean: 'nibp_mean' as const,
});
