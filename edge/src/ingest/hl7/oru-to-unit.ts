/**
 * Maps an HL7 v2 ORU^R01 message (PCD-01 style) to candidate readings and rejections, with the decision of the
 * acknowledgement it deserves. Pure.
 *
 * deviceSeq rule: HL7 has no device sequence number. When MSH-10 (message control id) is an integer it is the
 * deviceSeq; otherwise the buffer assigns the next value of a persisted per-device counter at commit and
 * remembers the control id, so that a message resent with the same control id gets the same deviceSeq (and
 * is recognised as a duplicate).
 */
import { decodeOru, DEVICE_ID_PATTERN, field, parseHl7, type OruMessage } from '@vitals/shared';
import type { CandidateReading, Rejection } from '../types.js';
import { checkFrameTime, checkValue, type IngestLimits } from '../validation.js';

const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);
/** Segments that identify a patient or their family: never kept in the `rejected` excerpt. */
const PATIENT_SEGMENTS = /^(PID|PD1|NK1|PV1|PV2|GT1|IN1|IN2|MRG)\|.*$/gm;

/** What of a refused message is kept for diagnosis: the bytes, with patient-identifying segments blanked. */
export function hl7Excerpt(payload: Buffer): Buffer {
  const text = payload.subarray(0, 4096).toString('utf8').replaceAll('\r', '\n');
  return Buffer.from(text.replace(PATIENT_SEGMENTS, (_m, seg: string) => `${seg}|[redacted]`));
}
const INTEGER_CONTROL_ID = /^\d{1,15}$/;

export interface AckTarget {
  readonly controlId: string;
  readonly sendingApplication: string;
  readonly sendingFacility: string;
}

export type Hl7Decoded =
  | { readonly ok: false; readonly ack: AckTarget; readonly deviceId: string | undefined; readonly rejection: Rejection }
  | {
      readonly ok: true;
      readonly ack: AckTarget;
      readonly deviceId: string;
      readonly readings: CandidateReading[];
      readonly rejections: Rejection[];
      readonly observations: number;
      /** Set when deviceSeq comes from the per-device counter. */
      readonly hl7ControlId: string | undefined;
    };

function ackTargetOf(text: string, m?: OruMessage): AckTarget {
  if (m) return { controlId: m.controlId, sendingApplication: m.sendingApplication, sendingFacility: m.sendingFacility };
  try {
    const msh = parseHl7(text).segments[0];
    return { controlId: field(msh, 10), sendingApplication: field(msh, 3).split('^')[0] ?? '', sendingFacility: '' };
  } catch {
    return { controlId: '', sendingApplication: '', sendingFacility: '' };
  }
}

/** Decodes and validates one message; `ok: false` means the message is refused whole (AR). */
export function oruToUnit(payload: Buffer, nowMs: number, limits: IngestLimits): Hl7Decoded {
  const text = payload.toString('utf8');
  if (payload.length > limits.maxPayloadBytes) {
    const detail = `message of ${payload.length} bytes exceeds ${limits.maxPayloadBytes}`;
    return {
      ok: false,
      ack: ackTargetOf(text),
      deviceId: undefined,
      rejection: { reason: 'PAYLOAD_TOO_LARGE', detail, payload: hl7Excerpt(payload) },
    };
  }
  let m: OruMessage;
  try {
    m = decodeOru(text);
  } catch (err) {
    return {
      ok: false,
      ack: ackTargetOf(text),
      deviceId: undefined,
      rejection: { reason: 'MALFORMED', detail: (err as Error).message, payload: hl7Excerpt(payload) },
    };
  }
  const ack = ackTargetOf(text, m);
  if (m.deviceId === undefined || !DEVICE_ID.test(m.deviceId)) {
    const detail =
      m.deviceId === undefined ? 'no device identity in OBX-18 or MSH-3' : `bad device id ${JSON.stringify(m.deviceId)}`;
    return { ok: false, ack, deviceId: undefined, rejection: { reason: 'MALFORMED', detail, payload: hl7Excerpt(payload) } };
  }
  const deviceSeq = INTEGER_CONTROL_ID.test(m.controlId) ? Number(m.controlId) : null;
  const seqField = deviceSeq === null ? {} : { deviceSeq };
  const readings: CandidateReading[] = [];
  const rejections: Rejection[] = [];
  if (m.observations.length === 0)
    rejections.push({ reason: 'MALFORMED', detail: 'no OBX segments', ...seqField, payload: hl7Excerpt(payload) });
  for (const o of m.observations) {
    const obx = `OBX ${o.setId} (${o.sourceCode}${o.sourceText ? `^${o.sourceText}` : ''})`;
    if (o.metric === undefined) {
      rejections.push({ reason: 'UNKNOWN_METRIC', detail: `${obx}: code not in the catalog`, ...seqField });
      continue;
    }
    if (o.value === undefined) {
      // An empty value (or status X) is a probe that is off: absent, never 0.
      if (o.rawValue.trim() === '' || o.status === 'X') continue;
      rejections.push({
        reason: 'MALFORMED',
        detail: `${obx}: value ${JSON.stringify(o.rawValue)} is not a number`,
        ...seqField,
      });
      continue;
    }
    const time = checkFrameTime(o.observedAtMs, nowMs, limits.reading, deviceSeq ?? undefined);
    if (!time.ok) {
      rejections.push({ ...time.rejection, detail: `${obx}: ${time.rejection.detail}` });
      continue;
    }
    const r = checkValue(o.metric, o.value, o.unit, time.ms, deviceSeq, nowMs, limits.reading);
    if ('reading' in r) readings.push(r.reading);
    else rejections.push({ ...r.rejection, detail: `${obx}: ${r.rejection.detail}` });
  }
  return {
    ok: true,
    ack,
    deviceId: m.deviceId,
    readings,
    rejections,
    observations: m.observations.length,
    hl7ControlId: deviceSeq === null ? m.controlId : undefined,
  };
}
