/**
 * The buffer's write and forward paths over SQLite: one synchronous transaction per group commit (no await
 * inside), statements prepared once, in-memory counts kept in step with every transaction.
 */
import { METRIC_CATALOG, METRIC_CODES, newReadingId, type MetricCode, type RejectReason } from '@vitals/shared';
import type { CommittedReading, IngestUnit, Rejection, UnitResult } from '../ingest/types.js';
import { SOURCES } from '../ingest/types.js';
import { isAlarmRelevant } from './alarm-relevance.js';
import type { Db } from './open-database.js';

/** A buffered reading as the forwarder reads it. */
export type StoredReading = Pick<
  CommittedReading,
  'seq' | 'readingId' | 'deviceId' | 'deviceSeq' | 'metric' | 'value' | 'measuredAtMs' | 'receivedAtMs'
>;

export interface DeadLetterInput {
  readonly reading: StoredReading;
  readonly reason: RejectReason | string;
  readonly detail: string | undefined;
}

export interface BufferCounts {
  /** Rows in `readings` (unsent plus forwarded history). */
  readings: number;
  unsent: number;
  rejected: number;
  deadLetters: number;
}

const EXCERPT_BYTES = 1024;
/** Metrics are stored as their index in the catalog's code list. */
const METRIC_INDEX = new Map<MetricCode, number>(METRIC_CODES.map((m, i) => [m, i]));

export function readingIdToBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

export function readingIdFromBytes(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function excerpt(payload: Buffer | string | undefined): Buffer | null {
  if (payload === undefined) return null;
  const b = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return b.length > EXCERPT_BYTES ? Buffer.from(b.subarray(0, EXCERPT_BYTES)) : b;
}

interface Row {
  seq: number;
  reading_id: Buffer;
  device_ref: number;
  device_seq: number;
  metric: number;
  value: number;
  measured_at: number;
  received_at: number;
}

export class ReadingStore {
  readonly counts: BufferCounts;
  private readonly refs = new Map<string, number>();
  private readonly ids = new Map<number, string>();
  private readonly stmt;

  private constructor(readonly db: Db) {
    this.stmt = {
      insertDevice: db.prepare('INSERT INTO devices (device_id) VALUES (?)'),
      nextHl7Seq: db.prepare(
        'UPDATE devices SET hl7_next_seq = hl7_next_seq + 1 WHERE ref = ? RETURNING hl7_next_seq - 1 AS seq',
      ),
      findControlId: db.prepare('SELECT device_seq FROM hl7_control_ids WHERE device_ref = ? AND control_id = ?').pluck(),
      insertControlId: db.prepare(
        'INSERT INTO hl7_control_ids (device_ref, control_id, device_seq, received_at) VALUES (?, ?, ?, ?)',
      ),
      insertReading: db.prepare(
        `INSERT INTO readings (reading_id, device_ref, device_seq, metric, value, measured_at, received_at, source, alarm)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      existingValue: db
        .prepare('SELECT value FROM readings WHERE device_ref = ? AND device_seq = ? AND metric = ? AND measured_at = ?')
        .pluck(),
      insertRejected: db.prepare(
        'INSERT INTO rejected (received_at, source, device_id, device_seq, reason, detail, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      unsent: db.prepare(
        `SELECT seq, reading_id, device_ref, device_seq, metric, value, measured_at, received_at
         FROM readings WHERE forwarded_at IS NULL AND seq >= ? ORDER BY seq LIMIT ?`,
      ),
      newestUnsent: db.prepare(
        `SELECT seq, reading_id, device_ref, device_seq, metric, value, measured_at, received_at
         FROM readings WHERE forwarded_at IS NULL ORDER BY seq DESC LIMIT ?`,
      ),
      oldestUnsent: db.prepare('SELECT received_at FROM readings WHERE forwarded_at IS NULL ORDER BY seq LIMIT 1').pluck(),
      markForwarded: db.prepare('UPDATE readings SET forwarded_at = ? WHERE seq = ? AND forwarded_at IS NULL'),
      insertDeadLetter: db.prepare(
        `INSERT INTO dead_letters (reading_id, device_id, device_seq, metric, value, measured_at, received_at, dead_at, reason, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteReading: db.prepare('DELETE FROM readings WHERE seq = ? AND forwarded_at IS NULL'),
      pageSize: db.prepare('PRAGMA page_size').pluck(),
      pageCount: db.prepare('PRAGMA page_count').pluck(),
      freelist: db.prepare('PRAGMA freelist_count').pluck(),
    };
    for (const r of db.prepare('SELECT ref, device_id FROM devices').all() as Array<{ ref: number; device_id: string }>) {
      this.refs.set(r.device_id, r.ref);
      this.ids.set(r.ref, r.device_id);
    }
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    const unsent = count('SELECT COUNT(*) FROM readings WHERE forwarded_at IS NULL');
    this.counts = {
      unsent,
      readings: unsent + count('SELECT COUNT(*) FROM readings WHERE forwarded_at IS NOT NULL'),
      rejected: count('SELECT COUNT(*) FROM rejected'),
      deadLetters: count('SELECT COUNT(*) FROM dead_letters'),
    };
  }

  /** Prepares the statements and reads the counts (partial-index counts, no table scan). */
  static create(db: Db): ReadingStore {
    return new ReadingStore(db);
  }

  deviceId(ref: number): string {
    return this.ids.get(ref) ?? `#${ref}`;
  }

  /** Commits every unit in one transaction; on failure nothing of it is stored and the error is thrown. */
  commitUnits(units: readonly IngestUnit[], nowMs: number): UnitResult[] {
    const newDevices: string[] = [];
    let inserted = 0;
    let rejected = 0;
    try {
      const results = this.db.transaction(() =>
        units.map((u) => {
          const r = this.commitUnit(u, nowMs, newDevices);
          inserted += r.committed.length;
          rejected += r.rejections.length;
          return r;
        }),
      )();
      this.counts.readings += inserted;
      this.counts.unsent += inserted;
      this.counts.rejected += rejected;
      return results;
    } catch (err) {
      // Device rows inserted by the rolled-back transaction do not exist: forget their cached refs.
      for (const d of newDevices) {
        const ref = this.refs.get(d);
        this.refs.delete(d);
        if (ref !== undefined) this.ids.delete(ref);
      }
      throw err;
    }
  }

  private refFor(deviceId: string, newDevices: string[]): number {
    let ref = this.refs.get(deviceId);
    if (ref === undefined) {
      ref = Number(this.stmt.insertDevice.run(deviceId).lastInsertRowid);
      this.refs.set(deviceId, ref);
      this.ids.set(ref, deviceId);
      newDevices.push(deviceId);
    }
    return ref;
  }

  private hl7Seq(ref: number, controlId: string, nowMs: number): number {
    const known = this.stmt.findControlId.get(ref, controlId) as number | undefined;
    if (known !== undefined) return known;
    const { seq } = this.stmt.nextHl7Seq.get(ref) as { seq: number };
    this.stmt.insertControlId.run(ref, controlId, seq, nowMs);
    return seq;
  }

  private commitUnit(u: IngestUnit, nowMs: number, newDevices: string[]): UnitResult {
    const committed: CommittedReading[] = [];
    const rejections: Rejection[] = [...u.rejections];
    let duplicates = 0;
    const source = SOURCES.indexOf(u.source);
    if (u.deviceId !== undefined && u.readings.length > 0) {
      const deviceId = u.deviceId;
      const ref = this.refFor(deviceId, newDevices);
      let autoSeq: number | undefined;
      for (const c of u.readings) {
        let deviceSeq = c.deviceSeq;
        if (deviceSeq === null) deviceSeq = autoSeq ??= this.hl7Seq(ref, u.hl7ControlId ?? '', nowMs);
        const metricIndex = METRIC_INDEX.get(c.metric)!;
        const alarm = isAlarmRelevant(c.metric, c.value);
        const readingId = newReadingId(nowMs);
        const info = this.stmt.insertReading.run(
          readingIdToBytes(readingId),
          ref,
          deviceSeq,
          metricIndex,
          c.value,
          c.measuredAtMs,
          nowMs,
          source,
          alarm ? 1 : 0,
        );
        if (info.changes === 1) {
          committed.push({
            seq: Number(info.lastInsertRowid),
            readingId,
            deviceId,
            deviceSeq,
            metric: c.metric,
            value: c.value,
            unit: METRIC_CATALOG[c.metric].unit,
            measuredAtMs: c.measuredAtMs,
            receivedAtMs: nowMs,
            source: u.source,
            alarm,
          });
          continue;
        }
        const existing = this.stmt.existingValue.get(ref, deviceSeq, metricIndex, c.measuredAtMs) as number | undefined;
        if (existing === undefined || existing === c.value) {
          duplicates++;
        } else {
          rejections.push({
            reason: 'CONFLICTING_DUPLICATE',
            detail: `${c.metric} seq ${deviceSeq} at ${new Date(c.measuredAtMs).toISOString()} was ${existing}, now ${c.value}`,
            deviceSeq,
          });
        }
      }
    }
    for (const r of rejections) {
      this.stmt.insertRejected.run(
        nowMs,
        u.source,
        u.deviceId ?? null,
        r.deviceSeq ?? null,
        r.reason,
        r.detail,
        excerpt(r.payload),
      );
    }
    return { committed, duplicates, rejections };
  }

  /** Oldest unsent readings from `fromSeq` on, in commit order. */
  unsentBatch(limit: number, fromSeq = 0): StoredReading[] {
    return (this.stmt.unsent.all(fromSeq, limit) as Row[]).map((r) => this.toStored(r));
  }

  /** Newest unsent readings, newest first. */
  newestUnsent(limit: number): StoredReading[] {
    return (this.stmt.newestUnsent.all(limit) as Row[]).map((r) => this.toStored(r));
  }

  private toStored(r: Row): StoredReading {
    return {
      seq: r.seq,
      readingId: readingIdFromBytes(r.reading_id),
      deviceId: this.deviceId(r.device_ref),
      deviceSeq: r.device_seq,
      metric: METRIC_CODES[r.metric]!,
      value: r.value,
      measuredAtMs: r.measured_at,
      receivedAtMs: r.received_at,
    };
  }

  oldestUnsentReceivedAt(): number | undefined {
    return this.stmt.oldestUnsent.get() as number | undefined;
  }

  /** Marks readings forwarded and moves refused ones to `dead_letters`, in one transaction. */
  applyOutcomes(forwarded: readonly number[], dead: readonly DeadLetterInput[], nowMs: number): void {
    let marked = 0;
    let moved = 0;
    this.db.transaction(() => {
      for (const seq of forwarded) marked += this.stmt.markForwarded.run(nowMs, seq).changes;
      for (const d of dead) {
        const r = d.reading;
        if (this.stmt.deleteReading.run(r.seq).changes === 0) continue;
        moved++;
        this.stmt.insertDeadLetter.run(
          r.readingId,
          r.deviceId,
          r.deviceSeq,
          r.metric,
          r.value,
          r.measuredAtMs,
          r.receivedAtMs,
          nowMs,
          d.reason,
          d.detail ?? null,
        );
      }
    })();
    this.counts.unsent -= marked + moved;
    this.counts.readings -= moved;
    this.counts.deadLetters += moved;
  }

  /** Bytes in live pages of the database file (what the buffer size limits). */
  usedBytes(): number {
    const pageSize = this.stmt.pageSize.get() as number;
    return ((this.stmt.pageCount.get() as number) - (this.stmt.freelist.get() as number)) * pageSize;
  }
}
