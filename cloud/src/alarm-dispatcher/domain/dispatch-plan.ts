/**
 * What one alert event means for the receivers, and the identity of every message sent for it. Pure.
 *
 * Phases: raise -> start, escalate and de-escalate -> update (the new priority in the message), clear -> end; an
 * unanswered high-priority alarm is re-sent as an update. The MSH-10 control id is a hash of alert id, phase and
 * sequence, where the sequence is `0` for start and end (once per episode), the Kafka offset of the record for an
 * update (the same record always has the same offset) and `<offset>.r<k>` for the k-th re-send. So a message sent
 * again after a crash, a timeout or a refusal carries the same MSH-10, and a receiver can drop the repeat.
 */
import { createHash } from 'node:crypto';
import type { AlertEvent, AlertPhase } from '@vitals/shared';

export interface DispatchPlan {
  readonly phase: AlertPhase;
  readonly sequence: string;
  /** What the event does to the re-send of an unanswered high alarm: start it, stop it, or leave it. */
  readonly escalation: 'arm' | 'disarm' | 'keep';
}

export function planFor(event: Pick<AlertEvent, 'kind' | 'priority'>, offset: string): DispatchPlan {
  const high = event.priority === 'high';
  switch (event.kind) {
    case 'raise':
      return { phase: 'start', sequence: '0', escalation: high ? 'arm' : 'keep' };
    case 'escalate':
      return { phase: 'update', sequence: offset, escalation: high ? 'arm' : 'keep' };
    case 'de-escalate':
      return { phase: 'update', sequence: offset, escalation: high ? 'keep' : 'disarm' };
    case 'clear':
      return { phase: 'end', sequence: '0', escalation: 'disarm' };
  }
}

/** Sequence of the k-th (1-based) re-send of the alarm made high by the record at `sourceOffset`. */
export function resendSequence(sourceOffset: string, k: number): string {
  return `${sourceOffset}.r${k}`;
}

/** Length of the control id: 20 characters fit MSH-10 of every HL7 v2 version receivers may validate against. */
export const CONTROL_ID_LENGTH = 20;

/** MSH-10 of a message: the first 20 hex digits of SHA-256 over alert id, phase and sequence. */
export function alertControlId(alertId: string, phase: AlertPhase, sequence: string): string {
  return createHash('sha256').update(`${alertId}\u0000${phase}\u0000${sequence}`).digest('hex').slice(0, CONTROL_ID_LENGTH);
}

/**
 * The re-send due now, if any: re-send k (1-based) is due at `highSinceMs + k * delayMs`, at most `maxResends`.
 * `sent` is how many were acknowledged already. A delay of 0 disables re-sending.
 */
export function dueResend(o: {
  readonly highSinceMs: number;
  readonly sent: number;
  readonly delayMs: number;
  readonly maxResends: number;
  readonly nowMs: number;
}): number | undefined {
  if (o.delayMs <= 0 || o.sent >= o.maxResends) return undefined;
  const k = o.sent + 1;
  return o.nowMs >= o.highSinceMs + k * o.delayMs ? k : undefined;
}
