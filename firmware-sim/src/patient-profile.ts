/**
 * A simulated patient's resting vital signs. Each device gets its own patient, drawn from a seeded generator
 * around adult norms so that a stable patient scores NEWS2 0 most of the time.
 */
import type { Rng } from './prng.js';

export interface PatientBaseline {
  /** Resting heart rate, /min. */
  readonly heartRate: number;
  /** Resting SpO2 on air, %. */
  readonly spo2: number;
  /** Resting respiratory rate, /min. */
  readonly respRate: number;
  /** Resting systolic blood pressure, mm[Hg]. */
  readonly systolic: number;
  /** Resting diastolic blood pressure, mm[Hg]. */
  readonly diastolic: number;
  /** Resting body temperature, Cel. */
  readonly temperature: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Draws a patient's baseline; fields given in `overrides` are taken as they are. */
export function randomBaseline(rng: Rng, overrides: Partial<PatientBaseline> = {}): PatientBaseline {
  const systolic = overrides.systolic ?? clamp(124 + 9 * rng.normal(), 112, 148);
  return Object.freeze({
    heartRate: overrides.heartRate ?? clamp(72 + 6 * rng.normal(), 58, 84),
    spo2: overrides.spo2 ?? clamp(97.6 + 0.7 * rng.normal(), 96.5, 99.5),
    respRate: overrides.respRate ?? clamp(15 + 1.4 * rng.normal(), 13, 18),
    systolic,
    diastolic: overrides.diastolic ?? clamp(systolic * 0.62 + 3 * rng.normal(), 64, 92),
    temperature: overrides.temperature ?? clamp(36.8 + 0.18 * rng.normal(), 36.4, 37.3),
  });
}
