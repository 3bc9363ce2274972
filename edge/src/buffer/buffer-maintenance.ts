/**
 * Keeps the buffer inside its limits: the byte size (dropping by the drop policy, every drop logged in
 * `drop_log` and reported), the local history window (forwarded readings older than it are pruned), and the
 * row bounds of `rejected` and `dead_letters`. Work is done in bounded chunks, each its own transaction.
 */
import { dropInOrder, readingsToDrop, type DropClass } from './drop-policy.js';
import type { ReadingStore } from './reading-store.js';

export interface DropReport {
  readonly kind: DropClass['kind'];
  readonly alarm: boolean;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface MaintenanceOptions {
  readonly maxBytes: number;
  /** Fraction freed below the limit when dropping (default 5 %). */
  readonly headroom?: number;
  readonly rejectedMaxRows: number;
  readonly deadLetterMaxRows: number;
  readonly onDrop: (report: DropReport) => void;
}

const CHUNK = 5000;

export class BufferMaintenance {
  private readonly stmt;
  private readonly headroom: number;

  /** Row bounds actually applied: the configured ones, capped so these tables never crowd out readings. */
  readonly limits: { readonly rejectedRows: number; readonly deadLetterRows: number };

  constructor(
    private readonly store: ReadingStore,
    private readonly opts: MaintenanceOptions,
  ) {
    const db = store.db;
    this.headroom = opts.headroom ?? 0.05;
    // A flood of bad frames must not push readings out: `rejected` gets at most 5 % of the buffer (rows are at
    // most ~1.2 KiB with their excerpt), `dead_letters` at most 10 % (~200 bytes a row).
    this.limits = {
      rejectedRows: Math.max(10, Math.min(opts.rejectedMaxRows, Math.floor((opts.maxBytes * 0.05) / 1200))),
      deadLetterRows: Math.max(10, Math.min(opts.deadLetterMaxRows, Math.floor((opts.maxBytes * 0.1) / 200))),
    };
    this.stmt = {
      dropForwarded: db
        .prepare(
          `DELETE FROM readings WHERE seq IN
           (SELECT seq FROM readings WHERE forwarded_at IS NOT NULL AND alarm = ? ORDER BY seq LIMIT ?) RETURNING seq`,
        )
        .pluck(),
      dropUnsent: db
        .prepare(
          `DELETE FROM readings WHERE seq IN
           (SELECT seq FROM readings WHERE forwarded_at IS NULL AND alarm = ? ORDER BY seq LIMIT ?) RETURNING seq`,
        )
        .pluck(),
      logDrop: db.prepare('INSERT INTO drop_log (at, kind, alarm, count, first_seq, last_seq) VALUES (?, ?, ?, ?, ?, ?)'),
      oldestForwarded: db.prepare(
        'SELECT seq, received_at FROM readings WHERE forwarded_at IS NOT NULL AND alarm = ? ORDER BY seq LIMIT ?',
      ),
      deleteSeq: db.prepare('DELETE FROM readings WHERE seq = ?'),
      pruneControlIds: db.prepare(
        `DELETE FROM hl7_control_ids WHERE (device_ref, control_id) IN
           (SELECT device_ref, control_id FROM hl7_control_ids WHERE received_at < ? LIMIT ?)`,
      ),
      trimRejected: db.prepare('DELETE FROM rejected WHERE id IN (SELECT id FROM rejected ORDER BY id LIMIT ?)'),
      trimDeadLetters: db.prepare('DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters ORDER BY id LIMIT ?)'),
    };
  }

  /** Drops readings by the policy until the buffer is back under its size (with headroom). Returns the drops. */
  enforceCapacity(nowMs: number): DropReport[] {
    const reports: DropReport[] = [];
    for (let round = 0; round < 50; round++) {
      const wanted = readingsToDrop({
        usedBytes: this.store.usedBytes(),
        maxBytes: this.opts.maxBytes,
        readings: this.store.counts.readings,
        headroom: this.headroom,
      });
      if (wanted === 0) break;
      // A class is exhausted before the next one is touched, chunk by chunk (one transaction each).
      const taken = dropInOrder(wanted, (cls, max) => {
        let dropped = 0;
        for (let n = -1; dropped < max && n !== 0; dropped += n)
          n = this.dropClass(cls, Math.min(max - dropped, CHUNK), nowMs, reports);
        return dropped;
      });
      if (taken.length === 0) break;
    }
    return reports;
  }

  private dropClass(cls: DropClass, max: number, nowMs: number, reports: DropReport[]): number {
    const stmt = cls.kind === 'forwarded' ? this.stmt.dropForwarded : this.stmt.dropUnsent;
    const seqs = this.store.db.transaction(() => {
      const rows = stmt.all(cls.alarm ? 1 : 0, max) as number[];
      if (rows.length > 0) {
        this.stmt.logDrop.run(nowMs, cls.kind, cls.alarm ? 1 : 0, rows.length, Math.min(...rows), Math.max(...rows));
      }
      return rows;
    })();
    if (seqs.length === 0) return 0;
    this.store.counts.readings -= seqs.length;
    if (cls.kind === 'unsent') this.store.counts.unsent -= seqs.length;
    const report = { ...cls, count: seqs.length, firstSeq: Math.min(...seqs), lastSeq: Math.max(...seqs) };
    reports.push(report);
    this.opts.onDrop(report);
    return seqs.length;
  }

  /** Deletes up to `limit` forwarded readings received before `cutoffMs` (oldest first). Returns how many. */
  pruneHistory(cutoffMs: number, limit = CHUNK): number {
    let pruned = 0;
    this.store.db.transaction(() => {
      for (const alarm of [0, 1]) {
        const rows = this.stmt.oldestForwarded.all(alarm, limit) as Array<{ seq: number; received_at: number }>;
        for (const r of rows) {
          if (r.received_at >= cutoffMs) break;
          this.stmt.deleteSeq.run(r.seq);
          pruned++;
        }
      }
      this.stmt.pruneControlIds.run(cutoffMs, limit);
    })();
    this.store.counts.readings -= pruned;
    return pruned;
  }

  /** Keeps `rejected` and `dead_letters` within their row bounds. Returns the rows removed from each. */
  trimTables(): { rejected: number; deadLetters: number } {
    const counts = this.store.counts;
    const overR = Math.max(0, counts.rejected - this.limits.rejectedRows);
    const overD = Math.max(0, counts.deadLetters - this.limits.deadLetterRows);
    if (overR > 0) counts.rejected -= this.stmt.trimRejected.run(overR).changes;
    if (overD > 0) counts.deadLetters -= this.stmt.trimDeadLetters.run(overD).changes;
    return { rejected: overR, deadLetters: overD };
  }
}
