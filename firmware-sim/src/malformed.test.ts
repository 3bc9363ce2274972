import { describe, expect, it } from 'vitest';
import {
  checkReading,
  decodeOru,
  DeviceFramePayloadSchema,
  createValidator,
  MllpDeframer,
  type RejectReason,
} from '@vitals/shared';
import {
  buildMalformedHl7,
  buildMalformedJson,
  HL7_MALFORMED_KINDS,
  JSON_MALFORMED_KINDS,
  type MalformedKind,
} from './malformed.js';

const NOW = Date.UTC(2026, 2, 1, 12);
const ctx = { deviceId: 'MON-7', seq: 41, nowMs: NOW, values: { heart_rate: 80, spo2: 96, temperature: 37.2 } };
const frameValidator = createValidator(DeviceFramePayloadSchema);
const EDGE_LIMIT = 1024 * 1024;

/** How a correct receiver refuses a JSON payload: parse, size, schema, then the shared reading checks. */
function jsonVerdict(bytes: Buffer): string {
  if (bytes.length > EDGE_LIMIT) return 'PAYLOAD_TOO_LARGE';
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'NOT_JSON';
  }
  if (!frameValidator.check(value)) return 'SCHEMA';
  const frame = Array.isArray(value) ? value[0]! : value;
  for (const [metric, v] of Object.entries(frame.metrics)) {
    const unit = frame.units?.[metric];
    const r = checkReading({ metric, value: v, measuredAt: frame.measuredAt, ...(unit ? { unit } : {}) }, NOW);
    if (!r.ok) return r.reason;
  }
  return 'ACCEPTED';
}

/** How a correct receiver refuses HL7 bytes: deframe (1 MiB limit), decode, then the shared reading checks. */
function hl7Verdict(bytes: Buffer): string {
  const events = new MllpDeframer(EDGE_LIMIT).push(bytes);
  const message = events.find((e) => e.kind === 'message');
  if (!message) return events.map((e) => e.kind).join(',');
  let oru;
  try {
    oru = decodeOru(message.payload.toString('utf8'));
  } catch {
    return 'NOT_HL7';
  }
  for (const o of oru.observations) {
    if (!o.metric) return 'UNKNOWN_METRIC';
    const r = checkReading(
      { metric: o.metric, value: o.value, measuredAt: o.observedAtMs, ...(o.unit ? { unit: o.unit } : {}) },
      NOW,
    );
    if (!r.ok) return r.reason;
  }
  return 'ACCEPTED';
}

describe('malformed JSON sends', () => {
  const expected: Record<string, string | RejectReason> = {
    'bad-json': 'NOT_JSON',
    'wrong-types': 'SCHEMA',
    'unknown-metric': 'UNKNOWN_METRIC',
    'implausible-value': 'IMPLAUSIBLE_VALUE',
    'future-timestamp': 'FUTURE_TIMESTAMP',
    'missing-timestamp': 'SCHEMA',
    'unit-mismatch': 'UNIT_MISMATCH',
    oversized: 'PAYLOAD_TOO_LARGE',
    garbage: 'NOT_JSON',
  };
  it.each(JSON_MALFORMED_KINDS.map((k) => [k]))('%s is refused for the intended reason', (kind: MalformedKind) => {
    const send = buildMalformedJson(kind, ctx);
    expect(send.kind).toBe(kind);
    expect(jsonVerdict(send.bytes)).toBe(expected[kind]);
  });

  it('records the sequence number where the payload has one', () => {
    expect(buildMalformedJson('implausible-value', ctx).seq).toBe(41);
    expect(buildMalformedJson('wrong-types', ctx).seq).toBe(41);
    expect(buildMalformedJson('garbage', ctx).seq).toBeUndefined();
    expect(buildMalformedJson('implausible-value', ctx).metrics).toEqual({ heart_rate: 999 });
  });

  it('refuses to build an HL7-only kind as JSON', () => {
    expect(() => buildMalformedJson('broken-hl7', ctx)).toThrow();
  });
});

describe('malformed HL7 sends', () => {
  const expected: Record<string, string> = {
    garbage: 'garbage',
    'broken-hl7': 'NOT_HL7',
    'wrong-types': 'MALFORMED',
    'unknown-metric': 'UNKNOWN_METRIC',
    'implausible-value': 'IMPLAUSIBLE_VALUE',
    'future-timestamp': 'FUTURE_TIMESTAMP',
    'missing-timestamp': 'MISSING_TIMESTAMP',
    'unit-mismatch': 'UNIT_MISMATCH',
    oversized: 'oversized',
  };
  it.each(HL7_MALFORMED_KINDS.map((k) => [k]))('%s is refused for the intended reason', (kind: MalformedKind) => {
    const send = buildMalformedHl7(kind, ctx);
    expect(hl7Verdict(send.bytes)).toBe(expected[kind]);
  });

  it('carries the control id a receiver can echo, and expects no ACK for garbage between frames', () => {
    expect(buildMalformedHl7('implausible-value', ctx)).toMatchObject({ controlId: '41', seq: 41, expectAck: true });
    expect(buildMalformedHl7('broken-hl7', ctx)).toMatchObject({ expectAck: true });
    expect(buildMalformedHl7('broken-hl7', ctx).controlId).toBeUndefined();
    const garbage = buildMalformedHl7('garbage', ctx);
    expect(garbage.expectAck).toBe(false);
    expect(garbage.bytes.includes(0x0b)).toBe(false);
    expect(garbage.bytes.includes(0x1c)).toBe(false);
  });
});
