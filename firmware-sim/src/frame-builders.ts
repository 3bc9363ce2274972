/**
 * What a simulated monitor puts on the wire for a good frame: the JSON DeviceFrame for MQTT (single or an
 * array), and an HL7 v2 ORU^R01 (shared encoder) for serial and MLLP over TCP. Pure.
 */
import { encodeOru, type DeviceFrame, type MetricCode, type OruObservationInput } from '@vitals/shared';
import type { VitalValues } from './signal-generator.js';

export type TimestampFormat = 'iso' | 'epoch';
/** How an artefact (probe off) is sent in JSON: `null`, or the key left out. Never 0. */
export type AbsentAs = 'null' | 'omit';

/** One frame of one device: a sample with its sequence number and the time the device stamped on it. */
export interface SimFrame {
  readonly deviceId: string;
  /** Boot counter of the device: a reboot starts a new boot and resets `seq` to 0. */
  readonly boot: number;
  readonly seq: number;
  /** The device's idea of the measuring time (true time plus any clock skew), epoch ms. */
  readonly measuredAtMs: number;
  /** Clock skew applied to measuredAt, ms (0 when the device clock is right). */
  readonly skewMs: number;
  readonly metrics: VitalValues;
}

export function formatMeasuredAt(ms: number, format: TimestampFormat): string | number {
  return format === 'epoch' ? ms : new Date(ms).toISOString();
}

export function toDeviceFrame(frame: SimFrame, format: TimestampFormat, absentAs: AbsentAs): DeviceFrame {
  const metrics: Record<string, number | null> = {};
  for (const [m, v] of Object.entries(frame.metrics)) {
    if (v === undefined) continue;
    if (v === null && absentAs === 'omit') continue;
    metrics[m] = v;
  }
  return { seq: frame.seq, measuredAt: formatMeasuredAt(frame.measuredAtMs, format), metrics };
}

/** The MQTT payload: one frame as an object, several as an array. */
export function jsonPayload(frames: readonly DeviceFrame[]): Buffer {
  return Buffer.from(JSON.stringify(frames.length === 1 ? frames[0] : frames), 'utf8');
}

/** MSH-10 of a frame's ORU: the device sequence number in decimal. */
export function controlIdOf(seq: number): string {
  return String(seq);
}

export function oruObservations(metrics: VitalValues, observedAtMs: number): OruObservationInput[] {
  return (Object.entries(metrics) as Array<[MetricCode, number | null | undefined]>)
    .filter((e): e is [MetricCode, number | null] => e[1] !== undefined)
    .map(([metric, value]) => ({ metric, value, observedAtMs }));
}

/** The ORU^R01 text of a frame; an artefact is an OBX with an empty value and status X. */
export function hl7Payload(frame: SimFrame, facility?: string): string {
  return encodeOru({
    deviceId: frame.deviceId,
    controlId: controlIdOf(frame.seq),
    messageTimeMs: frame.measuredAtMs,
    observations: oruObservations(frame.metrics, frame.measuredAtMs),
    ...(facility ? { facility } : {}),
  });
}
