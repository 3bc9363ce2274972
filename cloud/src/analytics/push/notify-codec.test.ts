import { describe, expect, it } from 'vitest';
import type { WindowRow } from '../windows/window-row.js';
import { decodeNotice, encodeNotices } from './notify-codec.js';

const row = (i: number): WindowRow => ({
  queryId: 'patient-1m',
  customerId: '00000000-0000-4000-8000-00000000c001',
  groupKind: 'patient',
  groupId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  departmentId: '00000000-0000-4000-8000-00000000d001',
  bedId: null,
  metric: 'heart_rate',
  windowStart: 1_700_000_000_000 + i * 60_000,
  windowEnd: 1_700_000_060_000 + i * 60_000,
  count: i + 1,
  sum: 72.125 * (i + 1),
  min: 60,
  max: 99.5,
  last: 72,
  lastMeasuredAt: 1_700_000_001_234,
  lastNews2: i % 2 === 0 ? 0 : null,
  revision: 3,
  final: i % 3 === 0,
});

describe('NOTIFY payloads', () => {
  it('round-trip rows, split under the 8000-byte limit', () => {
    const rows = Array.from({ length: 200 }, (_, i) => row(i));
    const payloads = encodeNotices('instance-1', 'group-a', rows);
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads.every((p) => Buffer.byteLength(p) < 8000)).toBe(true);
    const back = payloads.map((p) => decodeNotice(p)!);
    expect(back.every((n) => n.instance === 'instance-1' && n.group === 'group-a')).toBe(true);
    expect(back.flatMap((n) => n.rows)).toEqual(rows);
  });

  it('ignores payloads that are not ours', () => {
    expect(decodeNotice('hello')).toBeUndefined();
    expect(decodeNotice('{"v":2}')).toBeUndefined();
    expect(encodeNotices('i', 'g', [])).toEqual([]);
  });
});
