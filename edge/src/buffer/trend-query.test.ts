/** The trend read of the nurses' station over a real SQLite buffer on disk, written through the store's commit path. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IngestUnit } from '../ingest/types.js';
import { openDatabase, type Db } from './open-database.js';
import { ReadingStore } from './reading-store.js';
import { firstSeqReceivedFrom, queryTrendBuckets, readTrendFromBuffer } from './trend-query.js';

const T0 = Date.UTC(2026, 0, 1, 10);
const MIN = 60_000;

function unit(deviceId: string, seq: number, measuredAtMs: number, hr: number): IngestUnit {
  return {
    source: 'mqtt',
    deviceId,
    frames: 1,
    readings: [{ deviceSeq: seq, metric: 'heart_rate', value: hr, measuredAtMs }],
    rejections: [],
  };
}

describe('trend query', () => {
  let dir: string;
  let db: Db;
  let store: ReadingStore;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trend-query-'));
    db = openDatabase({ dataDir: dir, maxBytes: 64 * 1024 * 1024, reserveBytes: 0 });
    store = ReadingStore.create(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the first row received at or after a time by binary search', () => {
    for (let i = 0; i < 50; i++) store.commitUnits([unit('MON-1', i, T0 + i * MIN, 70)], T0 + i * MIN);
    expect(firstSeqReceivedFrom(db, T0 - MIN)).toBe(1);
    expect(firstSeqReceivedFrom(db, T0 + 20 * MIN)).toBe(21);
    expect(firstSeqReceivedFrom(db, T0 + 20 * MIN + 1)).toBe(22);
    expect(firstSeqReceivedFrom(db, T0 + 50 * MIN)).toBeUndefined();
  });

  it('averages the readings measured in the window into buckets per device and metric', () => {
    store.commitUnits([unit('MON-1', 1, T0 - 2 * MIN, 60)], T0 - 2 * MIN); // before the window
    store.commitUnits([unit('MON-1', 2, T0 + 10_000, 70), unit('MON-2', 1, T0 + 20_000, 90)], T0 + 20_000);
    store.commitUnits([unit('MON-1', 3, T0 + 30_000, 80)], T0 + 30_000);
    store.commitUnits([unit('MON-1', 4, T0 + MIN + 5_000, 100)], T0 + MIN + 5_000);
    const rows = queryTrendBuckets(db, { sinceMs: T0, bucketMs: MIN }).sort(
      (a, b) => a.deviceId.localeCompare(b.deviceId) || a.bucketStartMs - b.bucketStartMs,
    );
    expect(rows).toEqual([
      { deviceId: 'MON-1', metric: 'heart_rate', bucketStartMs: T0, sum: 150, count: 2, min: 70, max: 80 },
      { deviceId: 'MON-1', metric: 'heart_rate', bucketStartMs: T0 + MIN, sum: 100, count: 1, min: 100, max: 100 },
      { deviceId: 'MON-2', metric: 'heart_rate', bucketStartMs: T0, sum: 90, count: 1, min: 90, max: 90 },
    ]);
  });

  it('reads only before a given seq (later commits reach the trend live), through its own read-only connection', () => {
    store.commitUnits([unit('MON-1', 1, T0, 70)], T0);
    store.commitUnits([unit('MON-1', 2, T0 + 1000, 90)], T0 + 1000);
    const rows = readTrendFromBuffer(dir, { sinceMs: T0 - MIN, bucketMs: MIN, beforeSeq: 2 });
    expect(rows.map((r) => [r.sum, r.count])).toEqual([[70, 1]]);
  });

  it('is empty for an empty buffer', () => {
    expect(queryTrendBuckets(db, { sinceMs: T0, bucketMs: MIN })).toEqual([]);
  });
});
