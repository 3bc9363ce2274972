import { describe, expect, it } from 'vitest';
import { crashWithinBudget, restartDelayMs } from './consumer-supervisor.js';

describe('crash budget', () => {
  it('allows maxCrashes within the window and refuses the next one', () => {
    const crashes: number[] = [];
    const budget = { maxCrashes: 2, windowMs: 1_000 };
    expect(crashWithinBudget(crashes, 0, budget)).toBe(true);
    expect(crashWithinBudget(crashes, 500, budget)).toBe(true);
    expect(crashWithinBudget(crashes, 900, budget)).toBe(false);
  });

  it('forgets crashes older than the window', () => {
    const crashes: number[] = [];
    const budget = { maxCrashes: 1, windowMs: 1_000 };
    expect(crashWithinBudget(crashes, 0, budget)).toBe(true);
    expect(crashWithinBudget(crashes, 1_000, budget)).toBe(true);
    expect(crashWithinBudget(crashes, 1_999, budget)).toBe(false);
    expect(crashes).toEqual([1_000, 1_999]);
  });
});

describe('restart delay', () => {
  it('doubles from 1 s up to 30 s', () => {
    expect([1, 2, 3, 5, 6, 20].map(restartDelayMs)).toEqual([1_000, 2_000, 4_000, 16_000, 30_000, 30_000]);
  });
});
