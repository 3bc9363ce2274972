/**
 * Physiologically plausible vital signs for one patient: the scenario's state, plus correlated noise
 * (a shared "stress" factor moves heart rate, breathing and blood pressure together), slow drifts, and
 * artefacts where a probe falls off and the value is absent (null), never 0. Deterministic for a given
 * random generator and sequence of sample times.
 */
import { METRIC_CATALOG, METRIC_CODES, news2SubScore, news2Total, type MetricCode, type News2Risk } from '@vitals/shared';
import type { PatientBaseline } from './patient-profile.js';
import type { Rng } from './prng.js';
import { physiologicalState, scenarioProgress, type ScenarioSpec } from './scenarios.js';

export type VitalValues = Partial<Record<MetricCode, number | null>>;

export interface VitalSample {
  readonly atMs: number;
  /** The metrics measured; null marks an artefact (probe off, measurement failed). */
  readonly values: VitalValues;
  /** Scenario progress 0..1 at this time. */
  readonly progress: number;
}

export interface SignalGenerator {
  /** The next sample; call with non-decreasing times. */
  next(atMs: number): VitalSample;
  /** Makes `metric` (and the metrics measured by the same probe) absent for the next `samples` samples. */
  probeOff(metric: MetricCode, samples: number): void;
  readonly baseline: PatientBaseline;
}

export interface SignalGeneratorOptions {
  readonly rng: Rng;
  readonly baseline: PatientBaseline;
  readonly scenario: ScenarioSpec;
  /** Time the scenario is measured from (the simulation's start). */
  readonly startMs: number;
  /** Chance per sample that a random artefact starts (default 0.002). */
  readonly artefactRate?: number;
  /** Metrics this monitor measures (default: every metric of the catalog). */
  readonly metrics?: readonly MetricCode[];
}

/** Ornstein-Uhlenbeck process: mean-reverting noise whose variance does not depend on the sample rate. */
class Ou {
  private x: number;
  constructor(
    private readonly rng: Rng,
    private readonly tauMs: number,
    private readonly sd: number,
  ) {
    this.x = sd * rng.normal();
  }
  step(dtMs: number): number {
    if (dtMs > 0) {
      const a = Math.exp(-dtMs / this.tauMs);
      this.x = this.x * a + this.sd * Math.sqrt(1 - a * a) * this.rng.normal();
    }
    return this.x;
  }
}

/** Metrics that one probe measures together: when it comes off, all of them are absent. */
const PROBE_GROUPS: Readonly<Record<MetricCode, readonly MetricCode[]>> = {
  heart_rate: ['heart_rate'],
  spo2: ['spo2'],
  resp_rate: ['resp_rate'],
  nibp_sys: ['nibp_sys', 'nibp_dia', 'nibp_mean'],
  nibp_dia: ['nibp_sys', 'nibp_dia', 'nibp_mean'],
  nibp_mean: ['nibp_sys', 'nibp_dia', 'nibp_mean'],
  temperature: ['temperature'],
};

/** Random artefacts, by how common they are at the bedside. */
const RANDOM_ARTEFACTS: ReadonlyArray<{ metric: MetricCode; weight: number; min: number; max: number }> = [
  { metric: 'spo2', weight: 0.6, min: 3, max: 10 }, // finger probe slips off
  { metric: 'nibp_sys', weight: 0.25, min: 1, max: 2 }, // cuff measurement fails (movement)
  { metric: 'temperature', weight: 0.15, min: 3, max: 8 }, // skin probe detached
];

const SEC = 1000;
const MIN = 60 * SEC;

export function round(metric: MetricCode, value: number): number {
  const f = 10 ** METRIC_CATALOG[metric].decimals;
  return Math.round(value * f) / f;
}

/** What a patient can show, whatever the noise (SpO2 never above 100). */
const PHYSIOLOGICAL: Readonly<Record<MetricCode, readonly [number, number]>> = {
  heart_rate: [30, 220],
  spo2: [50, 100],
  resp_rate: [4, 60],
  nibp_sys: [50, 250],
  nibp_dia: [25, 150],
  nibp_mean: [35, 180],
  temperature: [33, 42.5],
};

/** Keeps a value inside what a patient can show and the catalog accepts. */
function bound(metric: MetricCode, value: number): number {
  const { min, max } = METRIC_CATALOG[metric].plausible;
  const [lo, hi] = PHYSIOLOGICAL[metric];
  return Math.min(Math.min(hi, max), Math.max(Math.max(lo, min), value));
}

export function createSignalGenerator(opts: SignalGeneratorOptions): SignalGenerator {
  const { baseline, scenario, startMs } = opts;
  const noise = opts.rng.fork('noise');
  const artefactRng = opts.rng.fork('artefacts');
  const artefactRate = opts.artefactRate ?? 0.002;
  const metrics = opts.metrics ?? METRIC_CODES;
  const stress = new Ou(noise, 2 * MIN, 1); // shared factor: pain, movement, anxiety
  const fast = {
    heartRate: new Ou(noise, 20 * SEC, 2.2),
    spo2: new Ou(noise, 30 * SEC, 0.5),
    respRate: new Ou(noise, 30 * SEC, 0.9),
    systolic: new Ou(noise, 60 * SEC, 3),
    diastolic: new Ou(noise, 60 * SEC, 1.8),
    temperature: new Ou(noise, 5 * MIN, 0.04),
  };
  const slow = {
    heartRate: new Ou(noise, 15 * MIN, 2.5),
    spo2: new Ou(noise, 20 * MIN, 0.3),
    respRate: new Ou(noise, 15 * MIN, 0.7),
    systolic: new Ou(noise, 20 * MIN, 3),
    temperature: new Ou(noise, 30 * MIN, 0.1),
  };
  const off = new Map<MetricCode, number>();
  let lastMs: number | undefined;

  const probeOff = (metric: MetricCode, samples: number): void => {
    for (const m of PROBE_GROUPS[metric]) off.set(m, Math.max(off.get(m) ?? 0, samples));
  };

  const maybeStartArtefact = (): void => {
    if (artefactRate <= 0 || artefactRng.next() >= artefactRate) return;
    let pick = artefactRng.next();
    for (const a of RANDOM_ARTEFACTS) {
      pick -= a.weight;
      if (pick < 0) {
        probeOff(a.metric, artefactRng.int(a.min, a.max));
        return;
      }
    }
  };

  return {
    baseline,
    probeOff,
    next(atMs) {
      const dt = lastMs === undefined ? 0 : Math.max(0, atMs - lastMs);
      lastMs = atMs;
      const progress = scenarioProgress(scenario, atMs - startMs);
      const s = physiologicalState(baseline, progress);
      const st = stress.step(dt);
      const sys = s.systolic + fast.systolic.step(dt) + slow.systolic.step(dt) + 2.5 * st;
      const dia = s.diastolic + fast.diastolic.step(dt) + 0.45 * (sys - s.systolic);
      const raw: Record<MetricCode, number> = {
        heart_rate: s.heartRate + fast.heartRate.step(dt) + slow.heartRate.step(dt) + 3 * st,
        // SpO2 sits against its ceiling: the noise is one-sided near 100.
        spo2: Math.min(100, s.spo2 + fast.spo2.step(dt) + slow.spo2.step(dt) - 0.2 * Math.abs(st)),
        resp_rate: s.respRate + fast.respRate.step(dt) + slow.respRate.step(dt) + 0.8 * st,
        nibp_sys: sys,
        nibp_dia: dia,
        nibp_mean: (sys + 2 * dia) / 3,
        temperature: s.temperature + fast.temperature.step(dt) + slow.temperature.step(dt),
      };
      maybeStartArtefact();
      const values: VitalValues = {};
      for (const m of metrics) {
        const remaining = off.get(m) ?? 0;
        if (remaining > 0) {
          values[m] = null;
          if (remaining === 1) off.delete(m);
          else off.set(m, remaining - 1);
        } else {
          values[m] = round(m, bound(m, raw[m]));
        }
      }
      return { atMs, values, progress };
    },
  };
}

/** NEWS2 of the monitored parameters of one sample (absent values contribute nothing). */
export function news2OfValues(values: VitalValues): { total: number; risk: News2Risk } {
  const sub: Partial<Record<MetricCode, number>> = {};
  for (const [m, v] of Object.entries(values) as Array<[MetricCode, number | null | undefined]>) {
    if (typeof v === 'number') {
      const score = news2SubScore(m, v);
      if (score !== undefined) sub[m] = score;
    }
  }
  return news2Total(sub);
}
