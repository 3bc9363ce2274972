/**
 * Malformed sends, one builder per kind, for JSON (MQTT) and HL7 (serial, MLLP over TCP). Each carries
 * nothing a correct receiver should store as a reading: a frame with an implausible value holds only that
 * value, so the whole send is expected to be rejected. Pure.
 */
import { encodeOru, mllpFrame, type MetricCode } from '@vitals/shared';
import { controlIdOf, oruObservations } from './frame-builders.js';
import type { VitalValues } from './signal-generator.js';

export const MALFORMED_KINDS = [
  'bad-json',
  'wrong-types',
  'unknown-metric',
  'implausible-value',
  'future-timestamp',
  'missing-timestamp',
  'unit-mismatch',
  'oversized',
  'garbage',
  'broken-hl7',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export const JSON_MALFORMED_KINDS: readonly MalformedKind[] = MALFORMED_KINDS.filter((k) => k !== 'broken-hl7');
export const HL7_MALFORMED_KINDS: readonly MalformedKind[] = MALFORMED_KINDS.filter((k) => k !== 'bad-json');

export function isMalformedKind(value: unknown): value is MalformedKind {
  return typeof value === 'string' && (MALFORMED_KINDS as readonly string[]).includes(value);
}

export interface MalformedContext {
  readonly deviceId: string;
  readonly seq: number;
  readonly nowMs: number;
  /** A good sample to build around (for kinds whose fault is elsewhere, e.g. the timestamp). */
  readonly values: VitalValues;
  /** Size of an oversized payload, bytes (default 2 MiB). */
  readonly oversizedBytes?: number;
}

/** A malformed send: the bytes, and what the ledger should know about it. */
export interface MalformedSend {
  readonly kind: MalformedKind;
  /** Bytes to write: the MQTT payload, or for HL7 the bytes on the line (MLLP framing included). */
  readonly bytes: Buffer;
  readonly seq?: number;
  readonly measuredAt?: string | number;
  readonly metrics?: Readonly<Record<string, unknown>>;
  /** HL7: control id sent in MSH-10, if there is one. */
  readonly controlId?: string;
  /** HL7: whether a receiver can answer it at all (garbage between frames gets no ACK). */
  readonly expectAck: boolean;
}

const DAY = 86_400_000;
export const DEFAULT_OVERSIZED_BYTES = 2 * 1024 * 1024;

function goodValues(values: VitalValues): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [m, v] of Object.entries(values)) if (typeof v === 'number') out[m] = v;
  if (Object.keys(out).length === 0) out.heart_rate = 72;
  return out;
}

/** Bytes that are neither JSON nor MLLP framing (no 0x0B / 0x1C inside). */
export function garbageBytes(seq: number): Buffer {
  const noise = [0x00, 0xff, 0xfe, 0x7f, 0x80, 0x13, 0x37, 0xc3, 0x28];
  return Buffer.concat([Buffer.from(noise), Buffer.from(`~~line-noise-${seq}~~`, 'latin1'), Buffer.from([0xff, 0x00])]);
}

export function buildMalformedJson(kind: MalformedKind, ctx: MalformedContext): MalformedSend {
  const { seq, nowMs } = ctx;
  const measuredAt = new Date(nowMs).toISOString();
  const json = (body: Record<string, unknown>): MalformedSend => ({
    kind,
    bytes: Buffer.from(JSON.stringify(body), 'utf8'),
    ...(typeof body.seq === 'number' ? { seq: body.seq } : {}),
    ...(body.measuredAt !== undefined ? { measuredAt: body.measuredAt as string } : {}),
    metrics: body.metrics as Record<string, unknown>,
    expectAck: true,
  });
  switch (kind) {
    case 'bad-json': {
      const text = JSON.stringify({ seq, measuredAt, metrics: goodValues(ctx.values) });
      return { kind, bytes: Buffer.from(text.slice(0, Math.max(1, text.length - 7)), 'utf8'), seq, measuredAt, expectAck: true };
    }
    case 'wrong-types':
      return { ...json({ seq: String(seq), measuredAt, metrics: { heart_rate: '72', spo2: true } }), seq };
    case 'unknown-metric':
      return json({ seq, measuredAt, metrics: { blood_glucose: 5.4 } });
    case 'implausible-value':
      return json({ seq, measuredAt, metrics: { heart_rate: 999 } });
    case 'future-timestamp':
      return json({ seq, measuredAt: new Date(nowMs + DAY).toISOString(), metrics: goodValues(ctx.values) });
    case 'missing-timestamp':
      return json({ seq, metrics: goodValues(ctx.values) });
    case 'unit-mismatch':
      return json({ seq, measuredAt, metrics: { temperature: 37.1 }, units: { temperature: 'kg' } });
    case 'oversized': {
      const size = ctx.oversizedBytes ?? DEFAULT_OVERSIZED_BYTES;
      return json({ seq, measuredAt, metrics: { heart_rate: 72 }, padding: 'x'.repeat(size) });
    }
    case 'garbage':
      return { kind, bytes: garbageBytes(seq), expectAck: true };
    case 'broken-hl7':
      throw new Error('broken-hl7 is an HL7 fault');
  }
}

/** Replaces field `n` of every segment `id` of an HL7 text (fields split on '|'; for MSH field n is index n-1). */
function setField(text: string, id: string, n: number, value: string): string {
  return text
    .split('\r')
    .map((seg) => {
      if (!seg.startsWith(`${id}|`)) return seg;
      const parts = seg.split('|');
      const index = id === 'MSH' ? n - 1 : n;
      while (parts.length <= index) parts.push('');
      parts[index] = value;
      return parts.join('|');
    })
    .join('\r');
}

export function buildMalformedHl7(kind: MalformedKind, ctx: MalformedContext): MalformedSend {
  const { deviceId, seq, nowMs } = ctx;
  const controlId = controlIdOf(seq);
  const oru = (observations: Parameters<typeof encodeOru>[0]['observations'], messageTimeMs = nowMs) =>
    encodeOru({ deviceId, controlId, messageTimeMs, observations });
  const framed = (text: string, metrics?: Record<string, unknown>, measuredAt?: string): MalformedSend => ({
    kind,
    bytes: mllpFrame(text),
    seq,
    controlId,
    expectAck: true,
    ...(metrics ? { metrics } : {}),
    ...(measuredAt ? { measuredAt } : {}),
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  const hr = (value: number) => [{ metric: 'heart_rate' as MetricCode, value, observedAtMs: nowMs }];
  switch (kind) {
    case 'garbage':
      return { kind, bytes: garbageBytes(seq), expectAck: false };
    case 'broken-hl7':
      // Framed, but not HL7: no MSH segment, so no control id a receiver could echo.
      return { kind, bytes: mllpFrame(`PID|||${seq}\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||72\r`), expectAck: true };
    case 'wrong-types':
      return framed(setField(oru(hr(72)), 'OBX', 5, 'seventy-two'), { heart_rate: 'seventy-two' }, iso(nowMs));
    case 'unknown-metric':
      return framed(
        oru([
          {
            metric: 'heart_rate',
            value: 5.4,
            observedAtMs: nowMs,
            unit: 'mmol/L^^UCUM',
            sourceCode: { code: '999999', text: 'MDC_CONC_GLU_UNKNOWN' },
          },
        ]),
        { '999999': 5.4 },
        iso(nowMs),
      );
    case 'implausible-value':
      return framed(oru(hr(999)), { heart_rate: 999 }, iso(nowMs));
    case 'future-timestamp': {
      const future = nowMs + DAY;
      return framed(oru(oruObservations(goodValues(ctx.values), future), future), goodValues(ctx.values), iso(future));
    }
    case 'missing-timestamp': {
      let text = oru(oruObservations(goodValues(ctx.values), nowMs));
      text = setField(setField(setField(text, 'OBX', 14, ''), 'OBR', 7, ''), 'MSH', 7, '');
      return framed(text, goodValues(ctx.values));
    }
    case 'unit-mismatch':
      return framed(
        oru([{ metric: 'temperature', value: 37.1, observedAtMs: nowMs, unit: 'kg^^UCUM' }]),
        { temperature: 37.1 },
        iso(nowMs),
      );
    case 'oversized': {
      const size = ctx.oversizedBytes ?? DEFAULT_OVERSIZED_BYTES;
      return framed(`${oru(hr(72))}NTE|1||${'x'.repeat(size)}\r`, { heart_rate: 72 }, iso(nowMs));
    }
    case 'bad-json':
      throw new Error('bad-json is a JSON fault');
  }
}
