import { describe, expect, it } from 'vitest';
import { DEFAULT_READING_LIMITS, encodeOru, type OruObservationInput } from '@vitals/shared';
import { hl7Excerpt, oruToUnit } from './oru-to-unit.js';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const limits = { maxPayloadBytes: 64 * 1024, reading: DEFAULT_READING_LIMITS };

function oru(controlId: string, observations: OruObservationInput[], deviceId = 'MON-7'): Buffer {
  return Buffer.from(encodeOru({ deviceId, controlId, messageTimeMs: NOW, observations }));
}

describe('HL7 ORU^R01 to readings', () => {
  it('maps OBX values to catalog metrics with MDC units, and an integer MSH-10 to the deviceSeq', () => {
    const d = oruToUnit(
      oru('1234', [
        { metric: 'heart_rate', value: 72, observedAtMs: NOW - 500 },
        { metric: 'nibp_sys', value: 121, observedAtMs: NOW - 500, sourceCode: { code: '150017', text: 'MDC_PRESS_BLD_SYS' } },
        { metric: 'temperature', value: null, observedAtMs: NOW - 500 },
      ]),
      NOW,
      limits,
    );
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.deviceId).toBe('MON-7');
    expect(d.hl7ControlId).toBeUndefined();
    expect(d.rejections).toEqual([]);
    expect(d.readings).toEqual([
      { deviceSeq: 1234, metric: 'heart_rate', value: 72, measuredAtMs: NOW - 500 },
      { deviceSeq: 1234, metric: 'nibp_sys', value: 121, measuredAtMs: NOW - 500 },
    ]);
  });

  it('leaves the deviceSeq to the per-device counter when MSH-10 is not an integer', () => {
    const d = oruToUnit(oru('MSG-a1', [{ metric: 'spo2', value: 96, observedAtMs: NOW }]), NOW, limits);
    expect(d.ok && d.hl7ControlId).toBe('MSG-a1');
    expect(d.ok && d.readings[0]?.deviceSeq).toBeNull();
  });

  it('refuses single observations with their reason and keeps the rest', () => {
    const d = oruToUnit(
      oru('9', [
        { metric: 'heart_rate', value: 400, observedAtMs: NOW },
        { metric: 'spo2', value: 97, observedAtMs: NOW },
        { metric: 'heart_rate', value: 80, observedAtMs: NOW, sourceCode: { code: '999999', text: 'VENDOR_X' } },
        { metric: 'resp_rate', value: 16, observedAtMs: NOW + 86_400_000 },
        { metric: 'temperature', value: 37, observedAtMs: NOW, unit: 'K^^UCUM' },
      ]),
      NOW,
      limits,
    );
    if (!d.ok) throw new Error('expected ok');
    expect(d.readings.map((r) => r.metric)).toEqual(['spo2']);
    expect(d.rejections.map((r) => r.reason)).toEqual([
      'IMPLAUSIBLE_VALUE',
      'UNKNOWN_METRIC',
      'FUTURE_TIMESTAMP',
      'UNIT_MISMATCH',
    ]);
    expect(d.rejections[1]!.detail).toContain('999999');
  });

  it('refuses the whole message when it is not HL7, not an ORU^R01, or names no device', () => {
    const garbage = oruToUnit(Buffer.from('hello there'), NOW, limits);
    expect(garbage).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED' }, ack: { controlId: '' } });
    const adt = oruToUnit(Buffer.from('MSH|^~\\&|A|B|C|D|20260101||ADT^A01|55|P|2.6\r'), NOW, limits);
    expect(adt).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED' }, ack: { controlId: '55' } });
    const text = encodeOru({ deviceId: 'x', controlId: '3', messageTimeMs: NOW, observations: [] }).replace(/\|x\|/g, '||');
    const noDevice = oruToUnit(Buffer.from(text), NOW, limits);
    expect(noDevice).toMatchObject({
      ok: false,
      rejection: { reason: 'MALFORMED', detail: 'no device identity in OBX-18 or MSH-3' },
    });
  });

  it('rejects a non-numeric value, and treats an empty one as absent', () => {
    const text = encodeOru({
      deviceId: 'MON-7',
      controlId: '5',
      messageTimeMs: NOW,
      observations: [{ metric: 'heart_rate', value: 70, observedAtMs: NOW }],
    }).replace('|70|', '|seventy|');
    const d = oruToUnit(Buffer.from(text), NOW, limits);
    expect(d.ok && d.rejections.map((r) => r.reason)).toEqual(['MALFORMED']);
  });

  it('keeps no patient-identifying segment in the excerpt of a refused message', () => {
    const msg = 'MSH|^~\\&|MON|W|GW|H|20260101||ADT^A01|1|P|2.6\rPID|1||12345^^^HOSP||Doe^Jane||19700101|F\rNK1|1|Doe^John\r';
    const excerpt = hl7Excerpt(Buffer.from(msg)).toString();
    expect(excerpt).toContain('MSH|');
    expect(excerpt).toContain('PID|[redacted]');
    expect(excerpt).not.toMatch(/Jane|John|12345/);
    const d = oruToUnit(Buffer.from(msg), NOW, limits);
    expect(d.ok).toBe(false);
    expect(!d.ok && d.rejection.payload?.toString()).not.toMatch(/Jane/);
  });
});
