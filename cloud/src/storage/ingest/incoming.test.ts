import { describe, expect, it } from 'vitest';
import { isUuid } from '@vitals/shared';
import { derivedReadingId } from './incoming.js';

describe('derivedReadingId', () => {
  const t = Date.parse('2025-03-01T11:59:00Z');
  const c = '11111111-1111-4111-8111-111111111111';

  it('is a stable UUIDv7 whose time prefix is the measured-at time', () => {
    const a = derivedReadingId(c, 'MON-1', 'spo2', t, 3);
    expect(a).toBe(derivedReadingId(c, 'MON-1', 'spo2', t, 3));
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('7');
    expect(parseInt(a.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
  });

  it('differs when anything identifying differs', () => {
    const base = derivedReadingId(c, 'MON-1', 'spo2', t, 3);
    expect(derivedReadingId(c, 'MON-1', 'heart_rate', t, 3)).not.toBe(base);
    expect(derivedReadingId(c, 'MON-2', 'spo2', t, 3)).not.toBe(base);
    expect(derivedReadingId(c, 'MON-1', 'spo2', t + 1, 3)).not.toBe(base);
    expect(derivedReadingId(c, 'MON-1', 'spo2', t, 4)).not.toBe(base);
    expect(derivedReadingId('22222222-2222-4222-8222-222222222222', 'MON-1', 'spo2', t, 3)).not.toBe(base);
  });
});
