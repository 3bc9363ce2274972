/**
 * Reported state from acknowledgements: desired versus reported, like a device shadow. Pure.
 *
 * - An acknowledgement for a version older than the reported one never overwrites it (QoS 1 redelivery, a
 *   gateway replaying an old ack, out-of-order delivery): it is kept in the history, marked superseded.
 * - An acknowledgement for a version the cloud never issued (above the desired version) does not change the state
 *   either: a gateway cannot claim to be ahead of its desired state.
 * - For the reported version itself the newest acknowledgement wins (a gateway that failed to persist and
 *   succeeded on the redelivery turns `rejected` into `applied`).
 * - `appliedVersion` is what the gateway says it runs: the acknowledged version when applied, else the version it
 *   names (a rejected version leaves the previous one running).
 */
import type { ConfigAck } from '@vitals/shared';

export interface ReportedState {
  readonly desiredVersion: number;
  readonly reportedVersion: number;
  readonly reportedStatus: 'applied' | 'rejected' | null;
  readonly reportedReason: string | null;
  readonly reportedAt: string | null;
  readonly appliedVersion: number;
}

export type AckOutcome = 'recorded' | 'older' | 'never-issued';

export function reduceAck(state: ReportedState, ack: ConfigAck, atIso: string): { state: ReportedState; outcome: AckOutcome } {
  if (ack.version > state.desiredVersion) return { state, outcome: 'never-issued' };
  if (ack.version < state.reportedVersion) return { state, outcome: 'older' };
  const applied =
    ack.status === 'applied' ? ack.version : Math.min(ack.appliedVersion ?? state.appliedVersion, state.desiredVersion);
  return {
    state: {
      ...state,
      reportedVersion: ack.version,
      reportedStatus: ack.status,
      reportedReason: ack.status === 'rejected' ? (ack.reason ?? 'rejected without a reason') : null,
      reportedAt: atIso,
      appliedVersion: applied,
    },
    outcome: 'recorded',
  };
}

/** In sync: the gateway acknowledged the desired version as applied. */
export function isInSync(s: Pick<ReportedState, 'desiredVersion' | 'reportedVersion' | 'reportedStatus'>): boolean {
  return s.desiredVersion > 0 && s.reportedVersion === s.desiredVersion && s.reportedStatus === 'applied';
}
