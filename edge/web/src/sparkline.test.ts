import { describe, expect, it } from 'vitest';
import { sparklinePath } from './sparkline.js';

const g = { width: 100, height: 20, fromMs: 0, toMs: 1000 };

describe('sparkline path', () => {
  it('is empty without points in the window', () => {
    expect(sparklinePath([], g)).toBe('');
    expect(sparklinePath([[-10, 5]], g)).toBe('');
  });
  it('scales time to the width and values to their own range (higher is up)', () => {
    expect(
      sparklinePath(
        [
          [0, 10],
          [500, 20],
          [1000, 15],
        ],
        g,
      ),
    ).toBe('M0,18 L50,2 L100,10');
  });
  it('draws a flat series in the middle, and a lone point as a short dash', () => {
    expect(
      sparklinePath(
        [
          [0, 7],
          [1000, 7],
        ],
        g,
      ),
    ).toBe('M0,10 L100,10');
    expect(sparklinePath([[1000, 7]], g)).toBe('M96,10 L100,10');
  });
  it('puts a bucket at its middle but never past now', () => {
    expect(
      sparklinePath(
        [
          [0, 1],
          [900, 2],
        ],
        g,
        200,
      ),
    ).toBe('M10,18 L100,2');
  });
});
