import { describe, expect, it } from 'vitest';
import { DEFAULT_READING_LIMITS } from '@vitals/shared';
import { decodeFrames } from './decode-frames.js';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const limits = { maxPayloadBytes: 4096, reading: DEFAULT_READING_LIMITS };
const decode = (body: unknown) => decodeFrames(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), NOW, limits);
const reasons = (r: ReturnType<typeof decode>) => r.rejections.map((x) => x.reason);

describe('MQTT frame decoding', () => {
  it('turns each metric of a frame into a reading, with the frame seq and time', () => {
    const r = decode({ seq: 7, measuredAt: new Date(NOW - 1000).toISOString(), metrics: { heart_rate: 72, spo2: 98 } });
    expect(r.frames).toBe(1);
    expect(r.rejections).toEqual([]);
    expect(r.readings).toEqual([
      { deviceSeq: 7, metric: 'heart_rate', value: 72, measuredAtMs: NOW - 1000 },
      { deviceSeq: 7, metric: 'spo2', value: 98, measuredAtMs: NOW - 1000 },
    ]);
  });

  it('accepts an array of frames and epoch-millisecond times, and converts declared units', () => {
    const r = decode([
      { seq: 1, measuredAt: NOW - 2000, metrics: { temperature: 98.6 }, units: { temperature: '[degF]' } },
      { seq: 2, measuredAt: NOW - 1000, metrics: { resp_rate: 14 } },
    ]);
    expect(r.frames).toBe(2);
    expect(r.readings.map((x) => [x.deviceSeq, x.metric, Math.round(x.value * 10) / 10])).toEqual([
      [1, 'temperature', 37],
      [2, 'resp_rate', 14],
    ]);
  });

  it('treats a null value as a probe that is off: absent, not rejected', () => {
    const r = decode({ seq: 1, measuredAt: NOW, metrics: { spo2: null, heart_rate: 80 } });
    expect(r.readings.map((x) => x.metric)).toEqual(['heart_rate']);
    expect(r.rejections).toEqual([]);
  });

  it('rejects what is not JSON, not a frame, or of the wrong types, as MALFORMED', () => {
    expect(reasons(decode('{"seq":1,'))).toEqual(['MALFORMED']);
    expect(reasons(decode('42'))).toEqual(['MALFORMED']);
    expect(reasons(decode([]))).toEqual(['MALFORMED']);
    expect(reasons(decode({ seq: 'one', measuredAt: NOW, metrics: { heart_rate: 70 } }))).toEqual(['MALFORMED']);
    expect(reasons(decode({ seq: 1, measuredAt: NOW, metrics: { heart_rate: '70' } }))).toEqual(['MALFORMED']);
    expect(reasons(decode({ seq: 1, measuredAt: 'yesterday', metrics: { heart_rate: 70 } }))).toEqual(['MALFORMED']);
  });

  it('judges metrics one by one: an unknown metric, a wrong unit or an implausible value costs only itself', () => {
    const r = decode({
      seq: 3,
      measuredAt: NOW,
      metrics: { heart_rate: 900, spo2: 97, glucose: 5, temperature: 37 },
      units: { temperature: 'K' },
    });
    expect(r.readings.map((x) => x.metric)).toEqual(['spo2']);
    expect(reasons(r)).toEqual(['IMPLAUSIBLE_VALUE', 'UNKNOWN_METRIC', 'UNIT_MISMATCH']);
    expect(r.rejections.every((x) => x.deviceSeq === 3)).toBe(true);
  });

  it('rejects a missing, far-future or absurdly old timestamp once per frame', () => {
    expect(reasons(decode({ seq: 1, metrics: { heart_rate: 70, spo2: 97 } }))).toEqual(['MISSING_TIMESTAMP']);
    expect(reasons(decode({ seq: 1, measuredAt: NOW + 3_600_000, metrics: { heart_rate: 70, spo2: 97 } }))).toEqual([
      'FUTURE_TIMESTAMP',
    ]);
    expect(reasons(decode({ seq: 1, measuredAt: '1999-01-01T00:00:00Z', metrics: { heart_rate: 70 } }))).toEqual([
      'STALE_TIMESTAMP',
    ]);
  });

  it('keeps the good frames of an array when one is bad', () => {
    const r = decode([
      { seq: 1, measuredAt: NOW, metrics: { heart_rate: 70 } },
      { seq: 2, metrics: { heart_rate: 71 } },
      { seq: 3, measuredAt: NOW, metrics: { heart_rate: 72 } },
    ]);
    expect(r.readings.map((x) => x.deviceSeq)).toEqual([1, 3]);
    expect(r.rejections).toMatchObject([{ reason: 'MISSING_TIMESTAMP', deviceSeq: 2 }]);
  });

  it('rejects an oversized payload without parsing it', () => {
    const r = decodeFrames(Buffer.alloc(5000, 0x20), NOW, limits);
    expect(reasons(r)).toEqual(['PAYLOAD_TOO_LARGE']);
  });
});
