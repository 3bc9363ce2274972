/**
 * NEWS2 (Royal College of Physicians, 2017) sub-scores for the parameters a monitor measures. Consciousness
 * and supplemental oxygen come from nursing input; without it they are unknown and SpO2 uses scale 1 on air.
 */
import type { MetricCode } from './metric-catalog.js';

export function news2RespirationRate(rr: number): number {
  if (rr <= 8) return 3;
  if (rr <= 11) return 1;
  if (rr <= 20) return 0;
  if (rr <= 24) return 2;
  return 3;
}

export function news2Spo2Scale1(spo2: number): number {
  if (spo2 <= 91) return 3;
  if (spo2 <= 93) return 2;
  if (spo2 <= 95) return 1;
  return 0;
}

export function news2SystolicBp(sys: number): number {
  if (sys <= 90) return 3;
  if (sys <= 100) return 2;
  if (sys <= 110) return 1;
  if (sys <= 219) return 0;
  return 3;
}

export function news2Pulse(hr: number): number {
  if (hr <= 40) return 3;
  if (hr <= 50) return 1;
  if (hr <= 90) return 0;
  if (hr <= 110) return 1;
  if (hr <= 130) return 2;
  return 3;
}

/** Temperature in °C, rounded to one decimal as charted. Scores at most 2. */
export function news2Temperature(celsius: number): number {
  const t = Math.round(celsius * 10) / 10;
  if (t <= 35.0) return 3;
  if (t <= 36.0) return 1;
  if (t <= 38.0) return 0;
  if (t <= 39.0) return 1;
  return 2;
}

/** The NEWS2 sub-score of one metric value, or undefined for metrics NEWS2 does not score. */
export function news2SubScore(metric: MetricCode, value: number): number | undefined {
  switch (metric) {
    case 'resp_rate':
      return news2RespirationRate(value);
    case 'spo2':
      return news2Spo2Scale1(value);
    case 'nibp_sys':
      return news2SystolicBp(value);
    case 'heart_rate':
      return news2Pulse(value);
    case 'temperature':
      return news2Temperature(value);
    default:
      return undefined;
  }
}

export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high';

/** Aggregate band from the sub-scores present (missing parameters contribute nothing). */
export function news2Total(subScores: Partial<Record<MetricCode, number>>): { total: number; risk: News2Risk } {
  const scores = Object.values(subScores).filter((s): s is number => typeof s === 'number');
  const total = scores.reduce((a, b) => a + b, 0);
  let risk: News2Risk = 'low';
  if (total >= 7) risk = 'high';
  else if (total >= 5) risk = 'medium';
  else if (scores.some((s) => s === 3)) risk = 'low-medium';
  return { total, risk };
}
