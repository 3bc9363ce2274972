import { describe, expect, it } from 'vitest';
import { createValidator, decodeOru, DeviceFramePayloadSchema, MllpDeframer, mllpFrame } from '@vitals/shared';
import { hl7Payload, jsonPayload, toDeviceFrame, type SimFrame } from './frame-builders.js';

const T = Date.UTC(2026, 5, 1, 8, 30, 0, 125);
const frame: SimFrame = {
  deviceId: 'MON-1',
  boot: 0,
  seq: 17,
  measuredAtMs: T,
  skewMs: 0,
  metrics: { heart_rate: 88, spo2: null, temperature: 37.4 },
};
const validator = createValidator(DeviceFramePayloadSchema);

describe('JSON frames', () => {
  it('builds a DeviceFrame the shared schema accepts, with null for a probe off', () => {
    const f = toDeviceFrame(frame, 'iso', 'null');
    expect(f).toEqual({
      seq: 17,
      measuredAt: new Date(T).toISOString(),
      metrics: { heart_rate: 88, spo2: null, temperature: 37.4 },
    });
    expect(validator.check(JSON.parse(jsonPayload([f]).toString()))).toBe(true);
  });

  it('can leave an artefact out and stamp epoch milliseconds', () => {
    const f = toDeviceFrame(frame, 'epoch', 'omit');
    expect(f).toEqual({ seq: 17, measuredAt: T, metrics: { heart_rate: 88, temperature: 37.4 } });
  });

  it('sends several frames as an array', () => {
    const body = JSON.parse(
      jsonPayload([toDeviceFrame(frame, 'iso', 'null'), toDeviceFrame({ ...frame, seq: 18 }, 'iso', 'null')]).toString(),
    );
    expect(Array.isArray(body)).toBe(true);
    expect(validator.check(body)).toBe(true);
  });
});

describe('HL7 frames', () => {
  it('encodes an ORU^R01 that decodes to the same device, control id, values and time; a probe off is absent', () => {
    const framed = mllpFrame(hl7Payload(frame));
    const [event] = new MllpDeframer().push(framed);
    expect(event?.kind).toBe('message');
    const oru = decodeOru((event as { payload: Buffer }).payload.toString());
    expect(oru.deviceId).toBe('MON-1');
    expect(oru.controlId).toBe('17');
    expect(oru.observations.map((o) => [o.metric, o.value, o.observedAtMs, o.status])).toEqual([
      ['heart_rate', 88, T, 'R'],
      ['spo2', undefined, T, 'X'],
      ['temperature', 37.4, T, 'R'],
    ]);
  });
});
