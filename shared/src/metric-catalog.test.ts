import { describe, expect, it } from 'vitest';
import { METRIC_CATALOG, METRIC_CODES, isPlausible, metricFromSourceCode, toCanonicalUnit } from './metric-catalog.js';

describe('metric catalog', () => {
  it('has a LOINC code, a unit, MDC codes and a sane plausible range for every metric', () => {
    for (const code of METRIC_CODES) {
      const def = METRIC_CATALOG[code];
      expect(def.code).toBe(code);
      expect(def.loinc).toMatch(/^\d+-\d$/);
      expect(def.mdc.length).toBeGreaterThan(0);
      expect(def.plausible.min).toBeLessThan(def.plausible.max);
      expect(def.unitAliases.map((a) => a.spelling)).toContain(def.unit);
      for (const t of def.defaultThresholds) {
        if (t.low !== undefined) expect(isPlausible(code, t.low)).toBe(true);
        if (t.high !== undefined) expect(isPlausible(code, t.high)).toBe(true);
      }
    }
  });

  it('maps several source codes of one concept to one metric', () => {
    expect(metricFromSourceCode(150021)).toBe('nibp_sys');
    expect(metricFromSourceCode('150017')).toBe('nibp_sys');
    expect(metricFromSourceCode('MDC_PRESS_BLD_SYS')).toBe('nibp_sys');
    expect(metricFromSourceCode('MDC_TEMP')).toBe('temperature');
    expect(metricFromSourceCode('149530')).toBe('heart_rate');
    expect(metricFromSourceCode('2708-6')).toBe('spo2');
    expect(metricFromSourceCode('heart_rate')).toBe('heart_rate');
    expect(metricFromSourceCode('999999')).toBeUndefined();
    expect(metricFromSourceCode('toString')).toBeUndefined();
  });

  it('normalises unit aliases and converts Fahrenheit, refusing unknown units', () => {
    expect(toCanonicalUnit('heart_rate', 72, 'bpm')).toEqual({ ok: true, value: 72, unit: '/min' });
    expect(toCanonicalUnit('spo2', 97, undefined)).toEqual({ ok: true, value: 97, unit: '%' });
    const f = toCanonicalUnit('temperature', 98.6, '[degF]');
    expect(f.ok && f.value).toBeCloseTo(37, 5);
    expect(toCanonicalUnit('heart_rate', 72, 'Hz')).toEqual({ ok: false, expected: '/min' });
  });
});
