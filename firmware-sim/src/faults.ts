/** Faults a test or an operator can inject into simulated devices, and their validation (for the control API). */
import { isMetricCode, type MetricCode } from '@vitals/shared';
import { SimErrors } from './errors.js';
import { HL7_MALFORMED_KINDS, isMalformedKind, JSON_MALFORMED_KINDS, MALFORMED_KINDS, type MalformedKind } from './malformed.js';
import type { TransportKind } from './ledger.js';

export type Fault =
  /** Cut the connection abruptly (MQTT: the last will fires; serial/TCP: close), reconnect after `downMs` (default 0). */
  | { readonly type: 'disconnect'; readonly downMs?: number }
  /** Send one malformed message of this kind (consumes a sequence number where the kind has one). */
  | { readonly type: 'malformed'; readonly kind: MalformedKind }
  /** Send the last frame again, `count` times (default 1): same seq, measuredAt and values. */
  | { readonly type: 'duplicate'; readonly count?: number }
  /** Offset the device's clock: measuredAt = true time + offsetMs from now on (0 puts it right). */
  | { readonly type: 'clock-skew'; readonly offsetMs: number }
  /** Reboot: connection cut, unsent frames lost, sequence number back to 0, back up after `downMs` (default 0). */
  | { readonly type: 'reboot'; readonly downMs?: number }
  /** A probe falls off: `metric` (default spo2) and what the same probe measures are null for `samples` (default 5). */
  | { readonly type: 'probe-off'; readonly metric?: MetricCode; readonly samples?: number };

export type FaultType = Fault['type'];
export const FAULT_TYPES: readonly FaultType[] = ['disconnect', 'malformed', 'duplicate', 'clock-skew', 'reboot', 'probe-off'];

export function malformedKindsFor(transport: TransportKind): readonly MalformedKind[] {
  return transport === 'mqtt' ? JSON_MALFORMED_KINDS : HL7_MALFORMED_KINDS;
}

/** Throws SIM_ERR_FAULT_UNSUPPORTED when the fault makes no sense on the transport. */
export function assertFaultSupported(fault: Fault, transport: TransportKind): void {
  if (fault.type === 'malformed' && !malformedKindsFor(transport).includes(fault.kind)) {
    throw SimErrors.SIM_ERR_FAULT_UNSUPPORTED(`malformed/${fault.kind}`, transport);
  }
}

const nonNegInt = (v: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw SimErrors.SIM_ERR_INVALID_FAULT(`${name} must be an integer between 0 and ${max}`);
  }
  return v;
};

/** Validates an untrusted fault description (JSON from the control API). */
export function parseFault(input: unknown): Fault {
  if (typeof input !== 'object' || input === null) throw SimErrors.SIM_ERR_INVALID_FAULT('expected an object with a type');
  const o = input as Record<string, unknown>;
  const opt = <K extends string, V>(key: K, value: V | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<K, V>);
  switch (o.type) {
    case 'disconnect':
      return { type: 'disconnect', ...opt('downMs', nonNegInt(o.downMs, 'downMs')) };
    case 'reboot':
      return { type: 'reboot', ...opt('downMs', nonNegInt(o.downMs, 'downMs')) };
    case 'malformed':
      if (!isMalformedKind(o.kind)) throw SimErrors.SIM_ERR_INVALID_FAULT(`kind must be one of ${MALFORMED_KINDS.join(', ')}`);
      return { type: 'malformed', kind: o.kind };
    case 'duplicate':
      return { type: 'duplicate', ...opt('count', nonNegInt(o.count, 'count', 1000)) };
    case 'clock-skew':
      if (typeof o.offsetMs !== 'number' || !Number.isInteger(o.offsetMs)) {
        throw SimErrors.SIM_ERR_INVALID_FAULT('offsetMs must be an integer (ms)');
      }
      return { type: 'clock-skew', offsetMs: o.offsetMs };
    case 'probe-off':
      if (o.metric !== undefined && !isMetricCode(o.metric))
        throw SimErrors.SIM_ERR_INVALID_FAULT('metric is not in the catalog');
      return {
        type: 'probe-off',
        ...opt('metric', o.metric as MetricCode | undefined),
        ...opt('samples', nonNegInt(o.samples, 'samples', 100_000)),
      };
    default:
      throw SimErrors.SIM_ERR_INVALID_FAULT(`type must be one of ${FAULT_TYPES.join(', ')}`);
  }
}
