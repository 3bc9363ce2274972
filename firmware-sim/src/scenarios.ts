/**
 * Scenarios: how a patient's state moves away from the baseline over time. `stable` stays put; `sepsis`
 * deteriorates over a configurable time (fever, tachycardia, tachypnoea, falling SpO2 and blood pressure)
 * so that NEWS2 rises from about 0 to 7 or more.
 */
import type { PatientBaseline } from './patient-profile.js';

export type ScenarioSpec =
  | { readonly kind: 'stable' }
  | {
      readonly kind: 'sepsis';
      /** Time after the simulation starts when the deterioration begins (default 0). */
      readonly onsetMs?: number;
      /** Time from onset to the full picture (default 30 minutes). */
      readonly durationMs?: number;
    };

export type ScenarioName = 'stable' | 'sepsis' | 'mixed';

export const DEFAULT_SEPSIS_DURATION_MS = 30 * 60_000;

/** The state of the patient before noise, at one point in time. */
export type PhysiologicalState = { -readonly [K in keyof PatientBaseline]: number };

/** Smooth 0 -> 1 ramp (no jumps at either end). */
export function smoothstep(x: number): number {
  const t = Math.min(1, Math.max(0, x));
  return t * t * (3 - 2 * t);
}

/** Progress of the scenario (0 = baseline, 1 = fully developed) at `elapsedMs` after the start. */
export function scenarioProgress(spec: ScenarioSpec, elapsedMs: number): number {
  if (spec.kind === 'stable') return 0;
  const onset = spec.onsetMs ?? 0;
  const duration = Math.max(1, spec.durationMs ?? DEFAULT_SEPSIS_DURATION_MS);
  return smoothstep((elapsedMs - onset) / duration);
}

/** Sepsis end points: fixed clinical targets, so every patient ends well inside NEWS2's high band. */
const SEPSIS = { temperature: 39.4, spo2: 89.5, systolic: 86, heartRateRise: 30, respRateRise: 8 };
/** Fever coupling: each degree above baseline raises the heart rate by about 10/min and breathing by 2/min. */
const HR_PER_DEGREE = 10;
const RR_PER_DEGREE = 2;

/** The patient's state at progress p of the scenario, with fever coupled into heart and respiratory rate. */
export function physiologicalState(base: PatientBaseline, p: number): PhysiologicalState {
  const temperature = base.temperature + (SEPSIS.temperature - base.temperature) * p;
  const fever = Math.max(0, temperature - base.temperature);
  const systolic = base.systolic + (SEPSIS.systolic - base.systolic) * p;
  return {
    temperature,
    heartRate: base.heartRate + SEPSIS.heartRateRise * p + HR_PER_DEGREE * fever,
    respRate: base.respRate + SEPSIS.respRateRise * p + RR_PER_DEGREE * fever,
    spo2: base.spo2 + (SEPSIS.spo2 - base.spo2) * p,
    systolic,
    // Diastolic pressure falls with systolic, a little less steeply (vasodilation narrows the gap less).
    diastolic: base.diastolic + (systolic - base.systolic) * 0.55,
  };
}

/** Scenario of device `index` (0-based) for a named scenario; `mixed` makes every third device septic. */
export function scenarioFor(name: ScenarioName, index: number, sepsisDurationMs = DEFAULT_SEPSIS_DURATION_MS): ScenarioSpec {
  const sepsis: ScenarioSpec = { kind: 'sepsis', durationMs: sepsisDurationMs };
  if (name === 'sepsis') return sepsis;
  if (name === 'mixed') return index % 3 === 1 ? sepsis : { kind: 'stable' };
  return { kind: 'stable' };
}
