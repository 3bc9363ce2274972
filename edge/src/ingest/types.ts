/** What every ingestion path (MQTT, serial HL7, MLLP TCP) hands to the buffer, and what it gets back. */
import type { MetricCode, RejectReason } from '@vitals/shared';

export const SOURCES = ['mqtt', 'serial', 'mllp'] as const;
export type Source = (typeof SOURCES)[number];

/** One metric value that passed validation, waiting for its commit. */
export interface CandidateReading {
  /** Sequence number of the frame on the device; null = HL7 message without an integer MSH-10 (assigned at commit). */
  readonly deviceSeq: number | null;
  readonly metric: MetricCode;
  /** In the metric's canonical unit. */
  readonly value: number;
  readonly measuredAtMs: number;
}

/** A frame or a single value refused, kept in the `rejected` table with its reason. */
export interface Rejection {
  readonly reason: RejectReason;
  readonly detail: string;
  readonly deviceSeq?: number;
  /** An excerpt of what was received (at most 1 KiB is stored). */
  readonly payload?: Buffer | string;
}

/** One received message (an MQTT publish, an HL7 message) after decoding and validation. */
export interface IngestUnit {
  readonly source: Source;
  /** Device identity when known (a message that could not be read may have none). */
  readonly deviceId: string | undefined;
  /** Observation frames the message carried (an MQTT payload may hold an array). */
  readonly frames: number;
  readonly readings: readonly CandidateReading[];
  readonly rejections: readonly Rejection[];
  /** HL7 MSH-10 when the deviceSeq is to be assigned from the per-device counter. */
  readonly hl7ControlId?: string;
}

/** A reading as committed: durable, with its stable id. */
export interface CommittedReading {
  readonly seq: number;
  readonly readingId: string;
  readonly deviceId: string;
  readonly deviceSeq: number;
  readonly metric: MetricCode;
  readonly value: number;
  readonly unit: string;
  readonly measuredAtMs: number;
  readonly receivedAtMs: number;
  readonly source: Source;
  /** Outside the catalog's default thresholds. */
  readonly alarm: boolean;
}

export interface UnitResult {
  readonly committed: readonly CommittedReading[];
  /** Readings already in the buffer with the same key and value (a resend): not stored again. */
  readonly duplicates: number;
  /** The unit's own rejections plus conflicting duplicates found at commit. */
  readonly rejections: readonly Rejection[];
}
