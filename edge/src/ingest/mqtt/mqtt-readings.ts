/**
 * What both MQTT modes do with a readings publish: decode and validate, hand it to the group committer, and
 * once committed tell the device about rejections on its errors topic (MQTT 3.1.1 has no PUBACK reason code,
 * and aedes 1.x speaks only 3.1/3.1.1). The callback runs after the commit: that is when the PUBACK may go.
 */
import type { Clock } from '@vitals/shared';
import type { Logger } from 'pino';
import type { Ingest } from '../ingest.js';
import type { IngestUnit, Rejection, UnitResult } from '../types.js';
import type { IngestLimits } from '../validation.js';
import { decodeFrames } from './decode-frames.js';

export interface MqttReadingsDeps {
  readonly ingest: Ingest;
  readonly clock: Clock;
  readonly limits: IngestLimits;
  readonly log: Logger;
  /** Sends rejections to the device (QoS 0 on its errors topic). */
  readonly notify: (deviceId: string, rejections: readonly Rejection[]) => void;
}

export function errorNote(rejections: readonly Rejection[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      errors: rejections.map((r) => ({
        reason: r.reason,
        detail: r.detail,
        ...(r.deviceSeq === undefined ? {} : { seq: r.deviceSeq }),
      })),
    }),
  );
}

export function createMqttReadingsHandler(d: MqttReadingsDeps) {
  const finish = (deviceId: string, cb: (err: Error | null) => void) => (err: Error | null, result?: UnitResult) => {
    if (err) {
      d.log.error({ err, deviceId }, 'frame not committed; not acknowledged');
      cb(err);
      return;
    }
    if (result && result.rejections.length > 0) d.notify(deviceId, result.rejections);
    cb(null);
  };
  return {
    /** A readings payload published under the device's own id. */
    readings(deviceId: string, payload: Buffer, cb: (err: Error | null) => void): void {
      const decoded = decodeFrames(payload, d.clock.now(), d.limits);
      const unit: IngestUnit = { source: 'mqtt', deviceId, ...decoded };
      d.ingest.submit(unit, finish(deviceId, cb));
    },
    /** A publish refused as a whole (another device's topic, an unknown device): recorded, then acknowledged. */
    refuse(deviceId: string | undefined, rejection: Rejection, cb: (err: Error | null) => void): void {
      const unit: IngestUnit = { source: 'mqtt', deviceId, frames: 1, readings: [], rejections: [rejection] };
      d.ingest.submit(unit, deviceId === undefined ? (err) => cb(err) : finish(deviceId, cb));
    },
  };
}

export type MqttReadingsHandler = ReturnType<typeof createMqttReadingsHandler>;
