import { describe, expect, it } from 'vitest';
import { METRIC_CATALOG, METRIC_CODES } from '../../../shared/src/metric-catalog.js';
import { METRICS, formatMetric, metricInfo } from './metrics.js';

describe('dashboard metric list', () => {
  it('is the shared catalog: same codes in the same order, names, units and decimals', () => {
    expect(METRICS.map((m) => m.code)).toEqual([...METRIC_CODES]);
    for (const m of METRICS) {
      const c = METRIC_CATALOG[m.code as keyof typeof METRIC_CATALOG];
      expect([m.code, m.name, m.unit, m.decimals]).toEqual([c.code, c.displayName, c.unit, c.decimals]);
    }
  });
  it('formats by the metric decimals, with a dash for no value', () => {
    expect(formatMetric('temperature', 37.25)).toBe('37.3');
    expect(formatMetric('heart_rate', 71.6)).toBe('72');
    expect(formatMetric('heart_rate', null)).toBe('–');
    expect(metricInfo('unknown').name).toBe('unknown');
  });
});
