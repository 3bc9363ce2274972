import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, type NewEntry } from './ledger.js';
import { createJsonlSink, readLedgerFile } from './ledger-file.js';

const T = Date.UTC(2026, 0, 1, 12);

function entry(over: Partial<NewEntry> = {}): NewEntry {
  return {
    deviceId: 'D1',
    transport: 'mqtt',
    kind: 'frame',
    boot: 0,
    seq: 0,
    measuredAt: new Date(T).toISOString(),
    measuredAtMs: T,
    skewMs: 0,
    metrics: { heart_rate: 70, spo2: null },
    messageId: 1,
    bytes: 80,
    sentAtMs: T + 5,
    ...over,
  };
}

describe('ledger', () => {
  it('records sends as pending and settles each once, with the time and latency of the answer', () => {
    const l = new Ledger();
    const e = l.record(entry());
    expect(e.id).toBe(1);
    expect(e.ack.status).toBe('pending');
    expect(l.pending()).toEqual([e]);
    l.settle(e, { status: 'acked', code: 'PUBACK' }, T + 25);
    l.settle(e, { status: 'lost', reason: 'late' }, T + 99); // ignored: already settled
    expect(e.ack).toEqual({ status: 'acked', code: 'PUBACK', at: new Date(T + 25).toISOString(), latencyMs: 20 });
    expect(l.counts().byStatus).toMatchObject({ pending: 0, acked: 1, lost: 0 });
  });

  it('counts a frame acknowledged once however many of its sends were acked, and never a malformed send', () => {
    const l = new Ledger();
    const first = l.record(entry({ seq: 1 }));
    const dup = l.record(entry({ seq: 1, kind: 'duplicate', of: first.id }));
    const lostOne = l.record(entry({ seq: 2 }));
    const retransmit = l.record(entry({ seq: 2, kind: 'retransmit', of: lostOne.id }));
    const neverAcked = l.record(entry({ seq: 3 }));
    const bad = l.record(entry({ seq: 4, kind: 'malformed', malformed: 'implausible-value', metrics: { heart_rate: 999 } }));
    l.settle(first, { status: 'acked', code: 'PUBACK' }, T + 10);
    l.settle(dup, { status: 'acked', code: 'PUBACK' }, T + 11);
    l.settle(lostOne, { status: 'lost', reason: 'disconnect' }, T + 12);
    l.settle(retransmit, { status: 'acked', code: 'PUBACK' }, T + 13);
    l.settle(neverAcked, { status: 'lost', reason: 'disconnect' }, T + 14);
    l.settle(bad, { status: 'acked', code: 'PUBACK' }, T + 15);

    expect(l.acknowledged().map((e) => e.id)).toEqual([first.id, retransmit.id]);
    expect(l.unacknowledged().map((e) => e.id)).toEqual([neverAcked.id]);
    expect(l.malformed().map((e) => e.id)).toEqual([bad.id]);
    expect(l.counts()).toMatchObject({
      entries: 6,
      framesAcknowledged: 2,
      byKind: { frame: 3, duplicate: 1, retransmit: 1, malformed: 1 },
    });
  });

  it('expects downstream each numeric reading of each acknowledged frame once; not nulls, not a far-future skew', () => {
    const l = new Ledger();
    const a = l.record(entry({ seq: 1, metrics: { heart_rate: 70, spo2: null, resp_rate: 14 } }));
    const skewed = l.record(entry({ seq: 2, measuredAtMs: T + 3_600_000, measuredAt: T + 3_600_000, skewMs: 3_600_000 }));
    const dup = l.record(entry({ seq: 1, kind: 'duplicate', of: a.id, metrics: { heart_rate: 70, spo2: null, resp_rate: 14 } }));
    for (const e of [a, skewed, dup]) l.settle(e, { status: 'acked', code: 'PUBACK' }, T + 10);
    expect(l.expectedReadings()).toEqual([
      { deviceId: 'D1', boot: 0, seq: 1, measuredAtMs: T, metric: 'heart_rate', value: 70 },
      { deviceId: 'D1', boot: 0, seq: 1, measuredAtMs: T, metric: 'resp_rate', value: 14 },
    ]);
  });

  it('tells frames of different boots apart (a reboot resets seq)', () => {
    const l = new Ledger();
    const a = l.record(entry({ seq: 0, boot: 0 }));
    const b = l.record(entry({ seq: 0, boot: 1, measuredAtMs: T + 1000 }));
    l.settle(a, { status: 'acked', code: 'PUBACK' }, T);
    l.settle(b, { status: 'acked', code: 'PUBACK' }, T);
    expect(l.acknowledged()).toHaveLength(2);
  });

  it('can keep only counts in memory for long runs', () => {
    const l = new Ledger({ keepInMemory: false });
    const e = l.record(entry());
    l.settle(e, { status: 'acked', code: 'PUBACK' }, T);
    expect(l.entries()).toEqual([]);
    expect(l.counts()).toMatchObject({ entries: 1, framesAcknowledged: 1 });
  });

  it('writes one JSON line per settled entry and reads the file back into the same answers', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-ledger-'));
    try {
      const file = path.join(dir, 'ledger.jsonl');
      const l = new Ledger({ sink: createJsonlSink(file) });
      const a = l.record(entry({ seq: 1 }));
      const b = l.record(entry({ seq: 2, transport: 'serial', controlId: '2' }));
      l.settle(b, { status: 'rejected', code: 'AE', text: 'IMPLAUSIBLE_VALUE' }, T + 9);
      l.settle(a, { status: 'acked', code: 'PUBACK' }, T + 10);
      await l.close();
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines.map((x) => JSON.parse(x).seq)).toEqual([2, 1]);
      const back = await readLedgerFile(file);
      expect(back.entries().map((e) => e.id)).toEqual([1, 2]);
      expect(back.acknowledged().map((e) => e.seq)).toEqual([1]);
      expect(back.counts().byStatus).toMatchObject({ acked: 1, rejected: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
