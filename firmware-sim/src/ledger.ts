/**
 * The ledger: every send of every device (frames, retransmissions, duplicates, malformed sends) with what was
 * in it and how the receiver answered (PUBACK, HL7 AA/AE/AR, timeout, lost at a disconnect). Tests reconcile
 * against it: every acknowledged reading must arrive downstream exactly once, malformed sends never.
 */
import { checkReading, isMetricCode, type MetricCode, type ReadingCheckLimits, DEFAULT_READING_LIMITS } from '@vitals/shared';
import type { MalformedKind } from './malformed.js';

export type TransportKind = 'mqtt' | 'serial' | 'mllp-tcp';

/**
 * frame: the first send of a frame; retransmit: the same frame sent again after its first send was lost at a
 * disconnect; duplicate: the same frame sent again on purpose (fault); malformed: a bad send (fault).
 */
export type EntryKind = 'frame' | 'retransmit' | 'duplicate' | 'malformed';

/**
 * pending: no answer yet; acked: PUBACK or HL7 AA; rejected: HL7 AE/AR; timeout: no HL7 ACK in time;
 * lost: the link went down (or the simulation stopped) before an answer; failed: could not be written;
 * not-expected: nothing can answer it (garbage between HL7 frames).
 */
export type AckStatus = 'pending' | 'acked' | 'rejected' | 'timeout' | 'lost' | 'failed' | 'not-expected';

export interface AckOutcome {
  readonly status: AckStatus;
  /** `PUBACK` for MQTT; MSA-1 (AA, AE, AR) for HL7. */
  readonly code?: string;
  /** MSA-3 / ERR-8 text of an HL7 ACK, or the error of a failed send. */
  readonly text?: string;
  /** Why an answer never came: disconnect, reboot, stopped, write error. */
  readonly reason?: string;
  /** When the outcome was known (simulation clock, ISO). */
  readonly at?: string;
  readonly latencyMs?: number;
}

export interface LedgerEntry {
  /** Position in the ledger, from 1. */
  readonly id: number;
  readonly deviceId: string;
  readonly transport: TransportKind;
  readonly kind: EntryKind;
  /** Boot counter of the device (a reboot fault starts a new boot with seq 0). */
  readonly boot: number;
  readonly seq: number | null;
  /** measuredAt exactly as sent (ISO string or epoch ms); null when the send had none. */
  readonly measuredAt: string | number | null;
  readonly measuredAtMs: number | null;
  /** Clock skew the device applied to measuredAt, ms. */
  readonly skewMs: number;
  /** Metric values as sent (null = probe off); for malformed sends what the payload carried, if anything. */
  readonly metrics: Readonly<Record<string, unknown>> | null;
  readonly malformed?: MalformedKind;
  /** Duplicates and retransmissions: id of the entry that first sent the frame. */
  readonly of?: number;
  /** HL7 MSH-10. */
  readonly controlId?: string;
  /** Entries sent in one MQTT message (an array payload) share a message id. */
  readonly messageId: number;
  /** Size of the message the entry went in (an MQTT array carries several frames). */
  readonly bytes: number;
  readonly sentAt: string;
  readonly sentAtMs: number;
  ack: AckOutcome;
}

export type NewEntry = Omit<LedgerEntry, 'id' | 'ack' | 'sentAt'>;

export interface LedgerCounts {
  readonly entries: number;
  readonly byKind: Readonly<Record<EntryKind, number>>;
  readonly byStatus: Readonly<Record<AckStatus, number>>;
  /** Distinct frames (device, boot, seq) with at least one acked send. */
  readonly framesAcknowledged: number;
}

export interface ExpectedReading {
  readonly deviceId: string;
  readonly boot: number;
  readonly seq: number;
  readonly measuredAtMs: number;
  readonly metric: MetricCode;
  readonly value: number;
}

export interface LedgerSink {
  write(line: string): void;
  close(): Promise<void>;
}

export interface LedgerOptions {
  /** Where settled entries are appended as JSON lines. */
  readonly sink?: LedgerSink;
  /** Keep entries in memory for queries (default true); off for long load runs (counts stay). */
  readonly keepInMemory?: boolean;
}

const KINDS: readonly EntryKind[] = ['frame', 'retransmit', 'duplicate', 'malformed'];
const STATUSES: readonly AckStatus[] = ['pending', 'acked', 'rejected', 'timeout', 'lost', 'failed', 'not-expected'];

const zero = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** Identity of a frame across its sends. */
export function frameKey(e: Pick<LedgerEntry, 'deviceId' | 'boot' | 'seq'>): string {
  return `${e.deviceId}#${e.boot}#${e.seq}`;
}

export class Ledger {
  private readonly list: LedgerEntry[] = [];
  private readonly pendingSet = new Set<LedgerEntry>();
  private readonly ackedFrames = new Set<string>();
  private readonly kinds = zero(KINDS);
  private readonly statuses = zero(STATUSES);
  private readonly listeners = new Set<(e: LedgerEntry) => void>();
  private total = 0;
  private nextMessage = 1;
  private closed = false;

  constructor(private readonly opts: LedgerOptions = {}) {}

  /** A fresh message id for entries sent together. */
  newMessageId(): number {
    return this.nextMessage++;
  }

  /** Records a send as pending and returns its entry. */
  record(input: NewEntry): LedgerEntry {
    // Fields in a fixed, readable order (the JSONL lines follow it).
    const entry: LedgerEntry = {
      id: ++this.total,
      deviceId: input.deviceId,
      transport: input.transport,
      kind: input.kind,
      boot: input.boot,
      seq: input.seq,
      measuredAt: input.measuredAt,
      measuredAtMs: input.measuredAtMs,
      skewMs: input.skewMs,
      metrics: input.metrics,
      ...(input.malformed !== undefined ? { malformed: input.malformed } : {}),
      ...(input.of !== undefined ? { of: input.of } : {}),
      ...(input.controlId !== undefined ? { controlId: input.controlId } : {}),
      messageId: input.messageId,
      bytes: input.bytes,
      sentAt: new Date(input.sentAtMs).toISOString(),
      sentAtMs: input.sentAtMs,
      ack: { status: 'pending' },
    };
    this.kinds[entry.kind] += 1;
    this.statuses.pending += 1;
    this.pendingSet.add(entry);
    if (this.opts.keepInMemory !== false) this.list.push(entry);
    return entry;
  }

  /** Sets the final outcome of a pending entry (later outcomes for a settled entry are ignored). */
  settle(entry: LedgerEntry, outcome: Omit<AckOutcome, 'at' | 'latencyMs'>, atMs: number): void {
    if (!this.pendingSet.delete(entry)) return;
    entry.ack = { ...outcome, at: new Date(atMs).toISOString(), latencyMs: Math.max(0, atMs - entry.sentAtMs) };
    this.statuses.pending -= 1;
    this.statuses[outcome.status] += 1;
    if (outcome.status === 'acked' && entry.kind !== 'malformed') this.ackedFrames.add(frameKey(entry));
    if (this.opts.sink && !this.closed) this.opts.sink.write(`${JSON.stringify(entry)}\n`);
    for (const l of this.listeners) l(entry);
  }

  /** Calls `listener` with every entry as it settles; returns an unsubscribe function. */
  onSettled(listener: (e: LedgerEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  entries(filter?: (e: LedgerEntry) => boolean): LedgerEntry[] {
    return filter ? this.list.filter(filter) : [...this.list];
  }

  pending(): LedgerEntry[] {
    return [...this.pendingSet];
  }

  /** Acknowledged frames, one entry each (the first acked send of the frame); malformed sends excluded. */
  acknowledged(): LedgerEntry[] {
    const seen = new Set<string>();
    return this.list.filter((e) => {
      if (e.kind === 'malformed' || e.ack.status !== 'acked') return false;
      const k = frameKey(e);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  /** Frames none of whose sends were acknowledged (first send of each). */
  unacknowledged(): LedgerEntry[] {
    const acked = new Set(this.acknowledged().map(frameKey));
    const seen = new Set<string>();
    return this.list.filter((e) => {
      if (e.kind === 'malformed' || e.ack.status === 'pending') return false;
      const k = frameKey(e);
      if (acked.has(k) || seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  malformed(): LedgerEntry[] {
    return this.list.filter((e) => e.kind === 'malformed');
  }

  /**
   * The readings a correct receiver must deliver downstream exactly once: every numeric metric of every
   * acknowledged frame that passes the shared reading checks at the time it was sent (a clock-skewed frame
   * too far in the future is acknowledged by the gateway but rejected, so it is not expected).
   */
  expectedReadings(limits: ReadingCheckLimits = DEFAULT_READING_LIMITS): ExpectedReading[] {
    const out: ExpectedReading[] = [];
    for (const e of this.acknowledged()) {
      if (e.seq === null || e.measuredAtMs === null || !e.metrics) continue;
      for (const [metric, value] of Object.entries(e.metrics)) {
        if (typeof value !== 'number' || !isMetricCode(metric)) continue;
        const check = checkReading({ metric, value, measuredAt: e.measuredAt }, e.sentAtMs, limits);
        if (!check.ok) continue;
        out.push({ deviceId: e.deviceId, boot: e.boot, seq: e.seq, measuredAtMs: e.measuredAtMs, metric, value });
      }
    }
    return out;
  }

  counts(): LedgerCounts {
    return {
      entries: this.total,
      byKind: { ...this.kinds },
      byStatus: { ...this.statuses },
      framesAcknowledged: this.ackedFrames.size,
    };
  }

  /** Stops writing and flushes the sink. Entries still pending are not written (settle them first). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opts.sink?.close();
  }

  /** A ledger holding already-settled entries, e.g. read back from a JSONL file. */
  static fromEntries(entries: readonly LedgerEntry[]): Ledger {
    const ledger = new Ledger();
    for (const e of entries) {
      ledger.list.push(e);
      ledger.total = Math.max(ledger.total, e.id);
      ledger.kinds[e.kind] += 1;
      ledger.statuses[e.ack.status] += 1;
      if (e.ack.status === 'pending') ledger.pendingSet.add(e);
      if (e.ack.status === 'acked' && e.kind !== 'malformed') ledger.ackedFrames.add(frameKey(e));
    }
    ledger.list.sort((a, b) => a.id - b.id);
    return ledger;
  }
}
