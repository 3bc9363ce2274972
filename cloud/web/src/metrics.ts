/**
 * The vital signs as the dashboard shows them: the shared metric catalog's codes, names, units and decimals (a unit
 * test keeps this list equal to the catalog), without bundling the catalog's schema library into the page.
 */
export interface MetricInfo {
  readonly code: string;
  readonly name: string;
  /** Canonical UCUM unit. */
  readonly unit: string;
  /** As people write it. */
  readonly label: string;
  readonly decimals: number;
}

export const METRICS: readonly MetricInfo[] = [
  { code: 'heart_rate', name: 'Heart rate', unit: '/min', label: 'bpm', decimals: 0 },
  { code: 'spo2', name: 'SpO2', unit: '%', label: '%', decimals: 0 },
  { code: 'resp_rate', name: 'Respiratory rate', unit: '/min', label: '/min', decimals: 0 },
  { code: 'nibp_sys', name: 'NIBP systolic', unit: 'mm[Hg]', label: 'mmHg', decimals: 0 },
  { code: 'nibp_dia', name: 'NIBP diastolic', unit: 'mm[Hg]', label: 'mmHg', decimals: 0 },
  { code: 'nibp_mean', name: 'NIBP mean', unit: 'mm[Hg]', label: 'mmHg', decimals: 0 },
  { code: 'temperature', name: 'Body temperature', unit: 'Cel', label: '°C', decimals: 1 },
];

export const SHORT_NAMES: Readonly<Record<string, string>> = {
  heart_rate: 'HR',
  spo2: 'SpO2',
  resp_rate: 'RR',
  nibp_sys: 'Sys',
  nibp_dia: 'Dia',
  nibp_mean: 'MAP',
  temperature: 'Temp',
};

export function metricInfo(code: string): MetricInfo {
  return METRICS.find((m) => m.code === code) ?? { code, name: code, unit: '', label: '', decimals: 1 };
}

export function formatMetric(code: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(metricInfo(code).decimals);
}
