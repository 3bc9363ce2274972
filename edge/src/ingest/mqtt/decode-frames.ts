/**
 * Decodes an MQTT readings payload (one `DeviceFrame` or an array of them) into candidate readings and
 * rejections. A frame that cannot be read is rejected whole; a frame that can is judged metric by metric, so
 * one implausible value does not cost its neighbours. A `null` value is a probe that is off: absent, never 0.
 * Pure.
 */
import { createValidator, DeviceFrameSchema, type DeviceFrame } from '@vitals/shared';
import type { CandidateReading, Rejection } from '../types.js';
import { checkFrameTime, checkValue, type IngestLimits } from '../validation.js';

const frameValidator = createValidator(DeviceFrameSchema);
const MAX_FRAMES = 1000;

export interface DecodedFrames {
  readonly frames: number;
  readonly readings: CandidateReading[];
  readonly rejections: Rejection[];
}

function reject(payload: Buffer, reason: Rejection['reason'], detail: string): DecodedFrames {
  return { frames: 1, readings: [], rejections: [{ reason, detail, payload }] };
}

export function decodeFrames(payload: Buffer, nowMs: number, limits: IngestLimits): DecodedFrames {
  if (payload.length > limits.maxPayloadBytes) {
    return reject(payload, 'PAYLOAD_TOO_LARGE', `payload of ${payload.length} bytes exceeds ${limits.maxPayloadBytes}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return reject(payload, 'MALFORMED', `payload is not JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > MAX_FRAMES) {
    return reject(payload, 'MALFORMED', `expected a frame or 1-${MAX_FRAMES} frames, got ${list.length}`);
  }
  const out: DecodedFrames = { frames: list.length, readings: [], rejections: [] };
  for (const frame of list) decodeOne(frame, nowMs, limits, out);
  return out;
}

function decodeOne(frame: unknown, nowMs: number, limits: IngestLimits, out: DecodedFrames): void {
  const raw = JSON.stringify(frame) ?? '';
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    out.rejections.push({ reason: 'MALFORMED', detail: 'a frame must be a JSON object', payload: raw });
    return;
  }
  const f = frame as Partial<DeviceFrame>;
  const seq = Number.isInteger(f.seq) && (f.seq as number) >= 0 ? (f.seq as number) : undefined;
  const time = checkFrameTime(f.measuredAt, nowMs, limits.reading, seq);
  if (!time.ok) {
    out.rejections.push({ ...time.rejection, payload: raw });
    return;
  }
  if (!frameValidator.check(frame)) {
    const problems = frameValidator.problems(frame, 3).join('; ');
    out.rejections.push({
      reason: 'MALFORMED',
      detail: problems,
      ...(seq === undefined ? {} : { deviceSeq: seq }),
      payload: raw,
    });
    return;
  }
  for (const [metric, value] of Object.entries(frame.metrics)) {
    if (value === null) continue;
    const r = checkValue(metric, value, frame.units?.[metric], time.ms, frame.seq, nowMs, limits.reading);
    if ('reading' in r) out.readings.push(r.reading);
    else out.rejections.push(r.rejection);
  }
}
