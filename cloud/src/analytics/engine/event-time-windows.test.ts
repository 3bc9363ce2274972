/**
 * The window semantics on crafted streams, through the partition tasks and a memory sink, with a manual clock:
 * out-of-order readings within the bound and grace, a reading past grace (late-readings), hopping windows, a
 * silent partition whose windows still close, department windows across partitions, and the same input
 * shuffled within the grace giving identical final results.
 */
import { describe, expect, it } from 'vitest';
import { compileQueries } from '../queries/compile.js';
import type { WindowRow } from '../windows/window-row.js';
import { DEPARTMENT, ManualClock, PATIENT_A, PATIENT_B, Pipeline, seededRandom, type ReadingSpec } from './test-fixtures.js';

const T = Date.parse('2026-03-01T10:00:00Z');
const s = (seconds: number) => T + seconds * 1000;
const min = 60_000;

const QUERIES = compileQueries(
  {
    version: 1,
    queries: [
      {
        id: 'p1m',
        metrics: '*',
        group: 'patient',
        window: { type: 'tumbling', size: '1m' },
        aggregates: ['count', 'avg', 'last'],
        grace: '10s',
        emit: 'changes',
      },
      {
        id: 'hop',
        metrics: '*',
        group: 'patient',
        window: { type: 'hopping', size: '5m', advance: '1m' },
        aggregates: ['count', 'avg'],
        grace: '10s',
        emit: 'final',
      },
      {
        id: 'dep',
        metrics: ['heart_rate'],
        group: 'department',
        window: { type: 'tumbling', size: '5m' },
        aggregates: ['count', 'avg'],
        grace: '10s',
        emit: 'changes',
      },
    ],
  },
  'test',
);

function row(
  rows: readonly WindowRow[],
  queryId: string,
  groupId: string,
  start: number,
  metric = 'heart_rate',
): WindowRow | undefined {
  return rows.find((r) => r.queryId === queryId && r.groupId === groupId && r.windowStart === start && r.metric === metric);
}

/** Pipeline fed with batches, the clock set just after each batch's newest reading. */
async function run(batches: ReadingSpec[][], partitions = 1): Promise<{ p: Pipeline; clock: ManualClock }> {
  const clock = new ManualClock(T);
  const p = await Pipeline.create(QUERIES, clock, { partitions });
  for (const batch of batches) {
    clock.set(Math.max(clock.now(), ...batch.map((r) => Number(r.at))) + 1_000);
    await p.feed(0, batch);
  }
  return { p, clock };
}

describe('event-time windows', () => {
  const stream: ReadingSpec[][] = [
    [
      { at: s(5), value: 70 },
      { at: s(20), value: 80 },
      { at: s(15), value: 75 }, // out of order, within the bound
    ],
    [
      { at: s(65), value: 90 },
      { at: s(50), value: 60 }, // watermark 60 s: window [0, 60 s) closes at 70 s, still open
    ],
    [
      { at: s(80), value: 100 }, // watermark 75 s: [0, 60 s) + 10 s grace has closed
      { at: s(30), value: 50 }, // past grace for p1m; still open in four of its five hopping windows
    ],
  ];

  it('counts out-of-order readings within grace, sends a reading past grace to late-readings, and closes the window', async () => {
    const { p } = await run(stream);
    const rows = p.rows();
    expect(row(rows, 'p1m', PATIENT_A, T)).toMatchObject({
      count: 4,
      sum: 285,
      min: 60,
      max: 80,
      last: 60,
      lastMeasuredAt: s(50),
      final: true,
    });
    expect(row(rows, 'p1m', PATIENT_A, T + min)).toMatchObject({ count: 2, sum: 190, last: 100, final: false });
    expect(p.watermark(0)).toBe(s(75));

    expect(p.publisher.lateRecords).toHaveLength(1);
    expect(p.publisher.lateRecords[0]).toMatchObject({ offset: '6', measuredAt: s(30), queries: ['p1m'], watermark: s(75) });
    expect(JSON.parse(p.publisher.lateRecords[0]!.value).reading.value).toBe(50);
  });

  it('changes: one update per commit with a rising revision, then the final one', async () => {
    const { p } = await run(stream);
    const updates = p.changes.filter((r) => r.queryId === 'p1m' && r.windowStart === T);
    expect(updates.map((r) => [r.revision, r.count, r.final])).toEqual([
      [1, 3, false],
      [2, 4, false],
      [3, 4, true],
    ]);
  });

  it('hopping windows count each reading in every window it belongs to', async () => {
    const { p } = await run(stream);
    const rows = p.rows().filter((r) => r.queryId === 'hop');
    expect(rows.map((r) => [(r.windowStart - T) / min, r.count, r.sum]).sort((a, b) => a[0]! - b[0]!)).toEqual([
      [-4, 4, 285], // the reading at 30 s came after this window closed (70 s); the other four took it
      [-3, 7, 525],
      [-2, 7, 525],
      [-1, 7, 525],
      [0, 7, 525],
      [1, 2, 190],
    ]);
    const total = rows.reduce((n, r) => n + r.count, 0);
    // 6 readings in 5 windows each, plus the late one in 4 of its 5
    expect(total).toBe(6 * 5 + 4);
  });

  it('a silent partition advances by wall clock: every window closes, each final result once', async () => {
    const { p, clock } = await run(stream);
    expect(p.rows().filter((r) => !r.final).length).toBeGreaterThan(0);
    await clock.advance(20_000); // 101 s: silent for 20 s, below the idle timeout
    expect(p.watermark(0)).toBe(s(75));
    await clock.advance(10_000); // 111 s: idle, watermark now - 30 s - 5 s
    expect(p.watermark(0)).toBe(s(76));
    await clock.advance(60_000); // 171 s: watermark 136 s closes [60 s, 120 s) + 10 s
    expect(row(p.rows(), 'p1m', PATIENT_A, T + min)?.final).toBe(true);
    expect(row(p.rows(), 'dep', DEPARTMENT, T)?.final).toBe(false);
    await clock.advance(240_000); // 411 s: watermark 376 s is past every window
    const rows = p.rows();
    expect(rows.every((r) => r.final)).toBe(true);
    expect(row(rows, 'dep', DEPARTMENT, T)).toMatchObject({ count: 7, sum: 525, final: true });
    const finals = p.changes.filter((r) => r.final);
    expect(finals).toHaveLength(rows.length);
    expect(new Set(finals.map((r) => `${r.queryId}/${r.groupId}/${r.windowStart}`)).size).toBe(rows.length);
  });

  it('department windows merge partitions and close only when every partition passed them', async () => {
    const clock = new ManualClock(s(10));
    const p = await Pipeline.create(QUERIES, clock, { partitions: 2 });
    await p.feed(0, [{ at: s(1), value: 60, patientId: PATIENT_A }]);
    await p.feed(1, [{ at: s(2), value: 80, patientId: PATIENT_B }]);
    expect(row(p.rows(), 'dep', DEPARTMENT, T)).toMatchObject({ count: 2, sum: 140, revision: 2 });
    // Partition 0 moves on; partition 1 stays silent but within its idle timeout.
    clock.set(s(320));
    await p.feed(0, [{ at: s(320), value: 61, patientId: PATIENT_A }]);
    await p.tick();
    expect(p.watermark(0)).toBe(s(315));
    expect(row(p.rows(), 'p1m', PATIENT_A, T)?.final).toBe(true);
    expect(row(p.rows(), 'dep', DEPARTMENT, T)?.final).toBe(false);
    // Partition 1's patient B is silent: after the idle timeout its windows close too, and so does the department's.
    await clock.advance(40_000);
    expect(row(p.rows(), 'p1m', PATIENT_B, T)?.final).toBe(true);
    expect(row(p.rows(), 'dep', DEPARTMENT, T)).toMatchObject({ count: 2, final: true });
  });

  it('historical (backlog) readings count like any other; a malformed record is dead-lettered and the stream goes on', async () => {
    const clock = new ManualClock(s(30));
    const p = await Pipeline.create(QUERIES, clock);
    await p.feed(0, [
      { at: s(1), value: 70, historical: true },
      { at: s(2), value: 72 },
    ]);
    await p.feedRaw(0, ['{"not":"a reading"}', 'garbage', null]);
    await p.feed(0, [{ at: s(3), value: 74 }]);
    expect(row(p.rows(), 'p1m', PATIENT_A, T)).toMatchObject({ count: 3, sum: 216 });
    expect(p.publisher.malformedRecords.map((m) => [m.offset, m.detail.split(':')[0]])).toEqual([
      ['2', 'not an EnrichedReading'],
      ['3', 'not JSON'],
      ['4', 'record without a value (tombstone)'],
    ]);
  });

  it('the same input shuffled within the grace gives identical final results (seeded, several shuffles and batchings)', async () => {
    const rnd = seededRandom(42);
    const patients = [PATIENT_A, PATIENT_B];
    const metrics = ['heart_rate', 'spo2', 'temperature'] as const;
    const base: ReadingSpec[] = [];
    for (let i = 0; i < 600; i++) {
      const metric = metrics[i % 3]!;
      const value = metric === 'temperature' ? Math.round((36 + rnd() * 3) * 100) / 100 : Math.round(60 + rnd() * 60);
      base.push({ at: s(i + Math.floor(rnd() * 1000) / 1000), value, metric, patientId: patients[Math.floor(rnd() * 2)] });
    }
    base.sort((a, b) => Number(a.at) - Number(b.at));
    // Any order in which no reading is displaced by more than bound + grace (15 s) keeps every reading on time.
    const finalRows = async (order: ReadingSpec[], batchRnd: () => number) => {
      const clock = new ManualClock(s(700));
      const p = await Pipeline.create(QUERIES, clock);
      for (let i = 0; i < order.length;) {
        const n = 1 + Math.floor(batchRnd() * 40);
        await p.feed(0, order.slice(i, i + n));
        i += n;
      }
      expect(p.publisher.lateRecords).toEqual([]);
      await clock.advance(3_600_000);
      const rows = p.rows();
      expect(rows.every((r) => r.final)).toBe(true);
      return rows
        .map(({ revision: _r, ...r }) => r)
        .sort((a, b) =>
          `${a.queryId}${a.groupId}${a.metric}${a.windowStart}`.localeCompare(
            `${b.queryId}${b.groupId}${b.metric}${b.windowStart}`,
          ),
        );
    };
    const expected = await finalRows(base, () => 0.999);
    expect(expected.length).toBeGreaterThan(50);
    for (let seed = 1; seed <= 5; seed++) {
      const r = seededRandom(seed);
      const shuffled = base
        .map((spec) => ({ spec, key: Number(spec.at) + r() * 15_000 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.spec);
      expect(shuffled).not.toEqual(base);
      expect(await finalRows(shuffled, seededRandom(100 + seed))).toEqual(expected);
    }
  });

  it('late-readings names exactly the queries a reading was late for', async () => {
    const { p } = await run([[{ at: s(400), value: 70 }], [{ at: s(10), value: 71, patientId: PATIENT_B, metric: 'spo2' }]]);
    // spo2 is not a source of "dep"; for p1m and hop every window of 10 s has closed (watermark 395 s).
    expect(p.publisher.lateRecords.map((l) => l.queries)).toEqual([['p1m', 'hop']]);
  });
});
