import { describe, expect, it } from 'vitest';
import {
  news2Pulse,
  news2RespirationRate,
  news2Spo2Scale1,
  news2SubScore,
  news2SystolicBp,
  news2Temperature,
  news2Total,
} from './news2.js';

describe('NEWS2 sub-scores at every band edge (RCP 2017)', () => {
  it.each([
    [8, 3],
    [9, 1],
    [11, 1],
    [12, 0],
    [20, 0],
    [21, 2],
    [24, 2],
    [25, 3],
  ])('respiration rate %d -> %d', (v, s) => expect(news2RespirationRate(v)).toBe(s));
  it.each([
    [91, 3],
    [92, 2],
    [93, 2],
    [94, 1],
    [95, 1],
    [96, 0],
    [100, 0],
  ])('SpO2 scale 1 %d -> %d', (v, s) => expect(news2Spo2Scale1(v)).toBe(s));
  it.each([
    [90, 3],
    [91, 2],
    [100, 2],
    [101, 1],
    [110, 1],
    [111, 0],
    [219, 0],
    [220, 3],
  ])('systolic %d -> %d', (v, s) => expect(news2SystolicBp(v)).toBe(s));
  it.each([
    [40, 3],
    [41, 1],
    [50, 1],
    [51, 0],
    [90, 0],
    [91, 1],
    [110, 1],
    [111, 2],
    [130, 2],
    [131, 3],
  ])('pulse %d -> %d', (v, s) => expect(news2Pulse(v)).toBe(s));
  it.each([
    [35.0, 3],
    [35.1, 1],
    [36.0, 1],
    [36.1, 0],
    [38.0, 0],
    [38.1, 1],
    [39.0, 1],
    [39.1, 2],
    [41, 2],
  ])('temperature %d -> %d', (v, s) => expect(news2Temperature(v)).toBe(s));

  it('does not score metrics NEWS2 does not define', () => {
    expect(news2SubScore('nibp_dia', 80)).toBeUndefined();
    expect(news2SubScore('heart_rate', 135)).toBe(3);
  });

  it('bands the total, with a single 3 as low-medium', () => {
    expect(news2Total({ heart_rate: 0, spo2: 0 })).toEqual({ total: 0, risk: 'low' });
    expect(news2Total({ heart_rate: 3 })).toEqual({ total: 3, risk: 'low-medium' });
    expect(news2Total({ heart_rate: 2, resp_rate: 2, spo2: 1 })).toEqual({ total: 5, risk: 'medium' });
    expect(news2Total({ heart_rate: 3, resp_rate: 3, spo2: 1 })).toEqual({ total: 7, risk: 'high' });
  });
});
