/**
 * One HL7 v2 byte stream (a serial port or an MLLP TCP connection): MLLP deframing, ORU^R01 decoding and
 * validation, the group commit, and the acknowledgement written back after it — MSA AA when every observation
 * is stored, AE with the reasons when some were refused (the others are stored; a resend is recognised as a
 * duplicate), AR when the message is refused whole or could not be committed. Every message goes through the
 * committer, so acknowledgements leave in the order the messages came.
 */
import { encodeAck, MllpDeframer, mllpFrame, type AckCode, type Clock } from '@vitals/shared';
import type { Logger } from 'pino';
import type { LocalState } from '../../local-state.js';
import type { EdgeMetrics } from '../../metrics.js';
import type { DeviceAuth } from '../device-auth.js';
import type { Ingest } from '../ingest.js';
import type { IngestUnit, Rejection, UnitResult } from '../types.js';
import type { IngestLimits } from '../validation.js';
import { oruToUnit, type AckTarget } from './oru-to-unit.js';

export interface Hl7SessionOptions {
  readonly source: 'serial' | 'mllp';
  readonly ingest: Ingest;
  readonly auth: DeviceAuth;
  readonly state: LocalState;
  readonly metrics: EdgeMetrics;
  readonly clock: Clock;
  readonly limits: IngestLimits;
  readonly log: Logger;
  /** Writes an MLLP-framed acknowledgement back to the sender. */
  readonly write: (bytes: Buffer) => void;
}

export interface Hl7Session {
  push(chunk: Buffer): void;
  /** Device ids seen on this stream (for presence when the link drops). */
  readonly devices: ReadonlySet<string>;
}

let ackCounter = 0;

/** Text of an AE/AR: the reasons, short enough for MSA-3. */
export function ackText(rejections: readonly Rejection[], stored: number): string {
  const reasons = rejections.slice(0, 3).map((r) => `${r.reason} ${r.detail}`);
  const more = rejections.length > 3 ? `; and ${rejections.length - 3} more` : '';
  return `${rejections.length} refused, ${stored} stored: ${reasons.join('; ')}${more}`.slice(0, 400);
}

export function createHl7Session(o: Hl7SessionOptions): Hl7Session {
  const deframer = new MllpDeframer(o.limits.maxPayloadBytes);
  const devices = new Set<string>();
  const source = { source: o.source };

  const ack = (target: AckTarget, code: AckCode, errorCode?: string, text?: string) => {
    const bytes = mllpFrame(
      encodeAck({
        code,
        controlId: target.controlId,
        receivingApplication: target.sendingApplication,
        receivingFacility: target.sendingFacility,
        nowMs: o.clock.now(),
        ackId: `GW${(++ackCounter).toString(36)}`,
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(text === undefined ? {} : { text }),
      }),
    );
    o.write(bytes);
  };

  const refuseWhole = (target: AckTarget, deviceId: string | undefined, rejection: Rejection) => {
    const unit: IngestUnit = { source: o.source, deviceId, frames: 1, readings: [], rejections: [rejection] };
    o.ingest.submit(unit, (err) => {
      if (err) ack(target, 'AR', (err as { code?: string }).code, 'not stored, send again later');
      else ack(target, 'AR', rejection.reason, rejection.detail);
    });
  };

  const onMessage = (payload: Buffer) => {
    const decoded = oruToUnit(payload, o.clock.now(), o.limits);
    if (!decoded.ok) return refuseWhole(decoded.ack, decoded.deviceId, decoded.rejection);
    const { deviceId } = decoded;
    if (!o.auth.isKnownDevice(deviceId)) {
      return refuseWhole(decoded.ack, deviceId, {
        reason: 'UNKNOWN_DEVICE',
        detail: `device ${deviceId} is not known to this gateway`,
      });
    }
    devices.add(deviceId);
    o.state.setPresence({ deviceId, status: 'online', atMs: o.clock.now(), via: 'hl7' });
    const unit: IngestUnit = {
      source: o.source,
      deviceId,
      frames: 1,
      readings: decoded.readings,
      rejections: decoded.rejections,
      ...(decoded.hl7ControlId === undefined ? {} : { hl7ControlId: decoded.hl7ControlId }),
    };
    o.ingest.submit(unit, (err, result?: UnitResult) => {
      if (err || !result) {
        o.log.error({ err, deviceId }, 'HL7 message not committed');
        return ack(decoded.ack, 'AR', (err as { code?: string } | null)?.code, 'not stored, send again later');
      }
      if (result.rejections.length === 0) return ack(decoded.ack, 'AA');
      const stored = result.committed.length + result.duplicates;
      ack(decoded.ack, 'AE', result.rejections[0]!.reason, ackText(result.rejections, stored));
    });
  };

  return {
    devices,
    push(chunk) {
      for (const ev of deframer.push(chunk)) {
        if (ev.kind === 'message') onMessage(ev.payload);
        else if (ev.kind === 'oversized') {
          const detail = `message of ${ev.bytes} bytes exceeds ${o.limits.maxPayloadBytes}`;
          refuseWhole({ controlId: '', sendingApplication: '', sendingFacility: '' }, undefined, {
            reason: 'PAYLOAD_TOO_LARGE',
            detail,
          });
        } else {
          o.metrics.garbageBytes.inc(source, ev.bytes);
          o.log.debug({ kind: ev.kind, bytes: ev.bytes }, 'bytes outside MLLP frames skipped');
        }
      }
    },
  };
}
