import { describe, expect, it } from 'vitest';
import { MllpDeframer, mllpFrame } from './mllp.js';
import { decodeOru, encodeOru } from './oru.js';
import { decodeAck, encodeAck } from './ack.js';
import { escapeHl7, parseHl7Time, unescapeHl7 } from './message.js';

const T = Date.UTC(2026, 10, 25, 10, 0, 0, 250);

function sample(): string {
  return encodeOru({
    deviceId: 'MON-0001',
    controlId: '42',
    messageTimeMs: T,
    observations: [
      { metric: 'heart_rate', value: 72, observedAtMs: T },
      { metric: 'spo2', value: 97, observedAtMs: T },
      { metric: 'temperature', value: null, observedAtMs: T },
    ],
  });
}

describe('MLLP deframer', () => {
  it('returns a message split across every possible chunk boundary', () => {
    const framed = mllpFrame(sample());
    for (let cut = 1; cut < framed.length; cut++) {
      const d = new MllpDeframer();
      const events = [...d.push(framed.subarray(0, cut)), ...d.push(framed.subarray(cut))];
      expect(events).toEqual([{ kind: 'message', payload: Buffer.from(sample()) }]);
    }
  });

  it('skips and counts garbage between frames, keeping both neighbours', () => {
    const d = new MllpDeframer();
    const events = d.push(Buffer.concat([Buffer.from('noise'), mllpFrame('A'), Buffer.from([0x00, 0xff, 0x1c]), mllpFrame('B')]));
    expect(events).toEqual([
      { kind: 'garbage', bytes: 5 },
      { kind: 'message', payload: Buffer.from('A') },
      { kind: 'garbage', bytes: 3 },
      { kind: 'message', payload: Buffer.from('B') },
    ]);
  });

  it('reports a frame cut off by a new start byte and keeps the next one', () => {
    const d = new MllpDeframer();
    const events = d.push(Buffer.concat([Buffer.from([0x0b]), Buffer.from('half'), mllpFrame('whole')]));
    expect(events).toEqual([
      { kind: 'truncated', bytes: 4 },
      { kind: 'message', payload: Buffer.from('whole') },
    ]);
  });

  it('drops an oversized frame without buffering it, then recovers', () => {
    const d = new MllpDeframer(10);
    const events = d.push(Buffer.concat([mllpFrame('x'.repeat(50)), mllpFrame('ok')]));
    expect(events).toEqual([
      { kind: 'oversized', bytes: 50 },
      { kind: 'message', payload: Buffer.from('ok') },
    ]);
    expect(d.buffered).toBe(0);
  });

  it('keeps a lone FS inside a message as data', () => {
    const d = new MllpDeframer();
    const events = d.push(Buffer.from([0x0b, 0x41, 0x1c, 0x42, 0x1c, 0x0d]));
    expect(events).toEqual([{ kind: 'message', payload: Buffer.from([0x41, 0x1c, 0x42]) }]);
  });
});

describe('ORU^R01', () => {
  it('round-trips observations with MDC codes, units, times and device identity', () => {
    const m = decodeOru(sample());
    expect(m.controlId).toBe('42');
    expect(m.deviceId).toBe('MON-0001');
    expect(m.observations.map((o) => [o.metric, o.value, o.unit, o.observedAtMs])).toEqual([
      ['heart_rate', 72, 'MDC_DIM_BEAT_PER_MIN', T],
      ['spo2', 97, 'MDC_DIM_PERCENT', T],
      ['temperature', undefined, 'MDC_DIM_DEGC', T],
    ]);
  });

  it('maps several vendor codes to one metric and keeps unknown codes visible', () => {
    const text = encodeOru({
      deviceId: 'MON-2',
      controlId: '7',
      messageTimeMs: T,
      observations: [
        { metric: 'nibp_sys', value: 120, observedAtMs: T, sourceCode: { code: '150017', text: 'MDC_PRESS_BLD_SYS' } },
        { metric: 'heart_rate', value: 80, observedAtMs: T, sourceCode: { code: '999999', text: 'VENDOR_THING' } },
      ],
    });
    const m = decodeOru(text);
    expect(m.observations[0]?.metric).toBe('nibp_sys');
    expect(m.observations[1]?.metric).toBeUndefined();
    expect(m.observations[1]?.sourceCode).toBe('999999');
  });

  it('refuses something that is not an ORU^R01', () => {
    expect(() => decodeOru('hello')).toThrow(/MSH/);
    expect(() => decodeOru('MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.6\r')).toThrow(/ORU\^R01/);
    expect(() => decodeOru('MSH|^~\\&|A|B|C|D|20260101||ORU^R01|  |P|2.6\r'.replace('|  |', '||'))).toThrow(/control id/);
  });
});

describe('HL7 helpers', () => {
  it('parses DTM with and without offsets, and rejects nonsense dates', () => {
    expect(parseHl7Time('20261125100000')).toBe(Date.UTC(2026, 10, 25, 10));
    expect(parseHl7Time('20261125110000+0100')).toBe(Date.UTC(2026, 10, 25, 10));
    expect(parseHl7Time('20261125100000.5-0030')).toBe(Date.UTC(2026, 10, 25, 10, 30, 0, 500));
    expect(parseHl7Time('20261332100000')).toBeNaN();
    expect(parseHl7Time('yesterday')).toBeNaN();
  });

  it('escapes and unescapes delimiters', () => {
    const s = 'a|b^c~d\\e&f';
    expect(unescapeHl7(escapeHl7(s))).toBe(s);
  });

  it('builds acknowledgements that name the message and the reason', () => {
    const ok = decodeAck(encodeAck({ code: 'AA', controlId: '42', nowMs: T, ackId: 'A1' }));
    expect(ok).toMatchObject({ code: 'AA', controlId: '42' });
    const bad = decodeAck(
      encodeAck({ code: 'AE', controlId: '43', errorCode: 'IMPLAUSIBLE_VALUE', text: 'heart_rate 900', nowMs: T, ackId: 'A2' }),
    );
    expect(bad).toMatchObject({ code: 'AE', controlId: '43', text: 'heart_rate 900' });
    expect(bad.errorText).toContain('IMPLAUSIBLE_VALUE');
  });
});
