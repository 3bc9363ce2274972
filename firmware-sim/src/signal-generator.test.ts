import { describe, expect, it } from 'vitest';
import { isPlausible, METRIC_CATALOG, METRIC_CODES, type MetricCode } from '@vitals/shared';
import { randomBaseline } from './patient-profile.js';
import { createRng } from './prng.js';
import type { ScenarioSpec } from './scenarios.js';
import { createSignalGenerator, news2OfValues, type VitalSample } from './signal-generator.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function run(
  seed: string,
  scenario: ScenarioSpec,
  opts: { samples: number; everyMs: number; artefactRate?: number },
): VitalSample[] {
  const rng = createRng(seed);
  const gen = createSignalGenerator({
    rng,
    baseline: randomBaseline(rng.fork('patient')),
    scenario,
    startMs: T0,
    artefactRate: opts.artefactRate ?? 0.002,
  });
  return Array.from({ length: opts.samples }, (_, i) => gen.next(T0 + i * opts.everyMs));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function pearson(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    const dx = x - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('seeded generator', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
    expect(createRng(42).fork('x').next()).toBe(createRng(42).fork('x').next());
    expect(createRng(42).fork('x').next()).not.toBe(createRng(42).fork('y').next());
  });
});

describe('signal generator', () => {
  it('is deterministic: same seed and sample times give the same values', () => {
    const sepsis: ScenarioSpec = { kind: 'sepsis', durationMs: 10 * MIN };
    expect(run('s1', sepsis, { samples: 300, everyMs: 2000 })).toEqual(run('s1', sepsis, { samples: 300, everyMs: 2000 }));
    expect(run('s1', sepsis, { samples: 50, everyMs: 2000 })).not.toEqual(run('s2', sepsis, { samples: 50, everyMs: 2000 }));
  });

  it('keeps every value inside the catalog plausible range, rounded as the catalog says, for many patients', () => {
    const problems: string[] = [];
    let checked = 0;
    for (let p = 0; p < 40; p++) {
      for (const scenario of [{ kind: 'stable' }, { kind: 'sepsis', durationMs: 20 * MIN }] as ScenarioSpec[]) {
        for (const s of run(`patient-${p}`, scenario, { samples: 400, everyMs: 5000, artefactRate: 0.02 })) {
          for (const m of METRIC_CODES) {
            const v = s.values[m];
            if (v === null) continue;
            checked += 1;
            const f = 10 ** METRIC_CATALOG[m].decimals;
            if (typeof v !== 'number' || !isPlausible(m, v) || Math.round(v * f) / f !== v) problems.push(`${m}=${v}`);
          }
          const { nibp_sys: sys, nibp_dia: dia, spo2 } = s.values;
          if (typeof sys === 'number' && typeof dia === 'number' && sys <= dia) problems.push(`sys ${sys} <= dia ${dia}`);
          if (typeof spo2 === 'number' && spo2 > 100) problems.push(`spo2 ${spo2}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(200_000);
  });

  it('keeps a stable patient at NEWS2 about 0 and takes a septic one from about 0 to 7 or more', () => {
    for (let p = 0; p < 20; p++) {
      const stable = run(`news-${p}`, { kind: 'stable' }, { samples: 360, everyMs: 10_000, artefactRate: 0 });
      expect(mean(stable.map((s) => news2OfValues(s.values).total))).toBeLessThanOrEqual(1.5);

      const septic = run(
        `news-${p}`,
        { kind: 'sepsis', durationMs: 30 * MIN },
        { samples: 270, everyMs: 10_000, artefactRate: 0 },
      );
      const first = septic.slice(0, 18).map((s) => news2OfValues(s.values).total); // first 3 minutes
      const last = septic.slice(-30).map((s) => news2OfValues(s.values).total); // after the full picture
      expect(mean(first)).toBeLessThanOrEqual(1.5);
      expect(Math.min(...last)).toBeGreaterThanOrEqual(7);
    }
  });

  it('moves the vitals the way sepsis does: HR, RR and temperature up; SpO2 and systolic pressure down', () => {
    const s = run('dir', { kind: 'sepsis', durationMs: 20 * MIN }, { samples: 181, everyMs: 10_000, artefactRate: 0 });
    const avg = (xs: VitalSample[], m: MetricCode) => mean(xs.map((x) => x.values[m] as number));
    const early = s.slice(0, 12);
    const late = s.slice(-30);
    expect(avg(late, 'heart_rate')).toBeGreaterThan(avg(early, 'heart_rate') + 30);
    expect(avg(late, 'resp_rate')).toBeGreaterThan(avg(early, 'resp_rate') + 8);
    expect(avg(late, 'temperature')).toBeGreaterThan(avg(early, 'temperature') + 1.5);
    expect(avg(late, 'spo2')).toBeLessThan(avg(early, 'spo2') - 4);
    expect(avg(late, 'nibp_sys')).toBeLessThan(avg(early, 'nibp_sys') - 20);
  });

  it('correlates the vitals: fever with heart and breathing rate, and heart rate with breathing at rest', () => {
    const series = (xs: VitalSample[], m: MetricCode) => xs.map((x) => x.values[m] as number);
    const septic = run('corr', { kind: 'sepsis', durationMs: 30 * MIN }, { samples: 240, everyMs: 10_000, artefactRate: 0 });
    expect(pearson(series(septic, 'temperature'), series(septic, 'heart_rate'))).toBeGreaterThan(0.8);
    expect(pearson(series(septic, 'temperature'), series(septic, 'resp_rate'))).toBeGreaterThan(0.8);
    const stable = run('corr', { kind: 'stable' }, { samples: 3000, everyMs: 5000, artefactRate: 0 });
    expect(pearson(series(stable, 'heart_rate'), series(stable, 'resp_rate'))).toBeGreaterThan(0.1);
    expect(pearson(series(stable, 'nibp_sys'), series(stable, 'nibp_dia'))).toBeGreaterThan(0.3);
  });

  it('sends a probe-off artefact as null for the asked number of samples (never 0), and the whole NIBP group together', () => {
    const rng = createRng('probe');
    const gen = createSignalGenerator({
      rng,
      baseline: randomBaseline(rng),
      scenario: { kind: 'stable' },
      startMs: T0,
      artefactRate: 0,
    });
    gen.next(T0);
    gen.probeOff('spo2', 3);
    gen.probeOff('nibp_dia', 1);
    const next = Array.from({ length: 5 }, (_, i) => gen.next(T0 + (i + 1) * 1000));
    expect(next.map((s) => s.values.spo2 === null)).toEqual([true, true, true, false, false]);
    expect([next[0]!.values.nibp_sys, next[0]!.values.nibp_dia, next[0]!.values.nibp_mean]).toEqual([null, null, null]);
    expect(typeof next[1]!.values.nibp_sys).toBe('number');
    for (const s of next) expect(Object.values(s.values)).not.toContain(0);
  });

  it('produces random artefacts at about the configured rate, as nulls', () => {
    const samples = run('artefacts', { kind: 'stable' }, { samples: 5000, everyMs: 1000, artefactRate: 0.01 });
    const withNull = samples.filter((s) => Object.values(s.values).includes(null)).length;
    expect(withNull).toBeGreaterThan(50);
    expect(withNull).toBeLessThan(1000);
  });
});
