import { describe, expect, it } from 'vitest';
import { NO_EVENT_TIME, idleAdvance, isClosed, observe } from './watermark.js';

const o = { maxOutOfOrderMs: 5_000, idleTimeoutMs: 30_000, maxFutureSkewMs: 60_000 };
const T = Date.parse('2026-03-01T10:00:00Z');

describe('watermark', () => {
  it('is the latest measured-at time minus the bound, and never goes back', () => {
    let s = observe(NO_EVENT_TIME, T, T, o);
    expect(s).toEqual({ maxEventTime: T, watermark: T - 5_000 });
    s = observe(s, T - 20_000, T, o);
    expect(s).toEqual({ maxEventTime: T, watermark: T - 5_000 });
    s = observe(s, T + 10_000, T, o);
    expect(s.watermark).toBe(T + 5_000);
  });

  it('a measured-at time far in the future moves it only up to now + the allowed skew', () => {
    const s = observe(NO_EVENT_TIME, T + 3_600_000, T, o);
    expect(s.maxEventTime).toBe(T + 60_000);
    expect(s.watermark).toBe(T + 55_000);
  });

  it('a window closes when the watermark reaches its end plus grace', () => {
    expect(isClosed(T, null)).toBe(false);
    expect(isClosed(T, T - 1)).toBe(false);
    expect(isClosed(T, T)).toBe(true);
  });

  it('a silent partition advances by wall clock once the idle timeout passed', () => {
    const s = observe(NO_EVENT_TIME, T, T, o);
    expect(idleAdvance(s, T, T + 29_999, o)).toBe(s);
    expect(idleAdvance(s, T, T + 30_000, o).watermark).toBe(T - 5_000);
    expect(idleAdvance(s, T, T + 90_000, o)).toEqual({ maxEventTime: T, watermark: T + 55_000 });
    expect(idleAdvance(NO_EVENT_TIME, T, T + 30_000, o).watermark).toBe(T - 5_000);
  });
});
