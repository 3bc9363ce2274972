import { describe, expect, it } from 'vitest';
import { windowStarts } from './assign.js';

const T = Date.parse('2026-03-01T10:00:00Z');
const minute = 60_000;

describe('window assignment', () => {
  it('tumbling windows are aligned to the UTC epoch and half-open [start, end)', () => {
    const w = { kind: 'tumbling' as const, sizeMs: 5 * minute, advanceMs: 5 * minute };
    expect(windowStarts(T, w)).toEqual([T]);
    expect(windowStarts(T + 5 * minute - 1, w)).toEqual([T]);
    expect(windowStarts(T + 5 * minute, w)).toEqual([T + 5 * minute]);
    expect(windowStarts(T - 1, w)).toEqual([T - 5 * minute]);
  });

  it('a hopping window 5m every 1m gives each reading the five windows that contain it', () => {
    const w = { kind: 'hopping' as const, sizeMs: 5 * minute, advanceMs: minute };
    const at = T + 2 * minute + 30_000;
    const starts = windowStarts(at, w);
    expect(starts).toEqual([-2, -1, 0, 1, 2].map((k) => T + k * minute));
    expect(starts.every((s) => s <= at && at < s + 5 * minute)).toBe(true);
    expect(windowStarts(T, w)).toEqual([-4, -3, -2, -1, 0].map((k) => T + k * minute));
  });
});
