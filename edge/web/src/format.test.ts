import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatCount, formatValue } from './format.js';

describe('formatting on the nurses station', () => {
  it('rounds a value to the decimals of its metric', () => {
    expect(formatValue(36.849, 1)).toBe('36.8');
    expect(formatValue(72.5, 0)).toBe('73');
  });
  it('says how long ago, coarsely', () => {
    expect(formatAge(-500)).toBe('now');
    expect(formatAge(1_999)).toBe('now');
    expect(formatAge(2_000)).toBe('2 s');
    expect(formatAge(59_999)).toBe('59 s');
    expect(formatAge(60_000)).toBe('1 min');
    expect(formatAge(3_599_000)).toBe('59 min');
    expect(formatAge(3_600_000)).toBe('1 h');
    expect(formatAge(3_900_000)).toBe('1 h 5 min');
    expect(formatAge(26 * 3_600_000)).toBe('1 d');
  });
  it('writes counts and sizes for people', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.0 GiB');
  });
});
