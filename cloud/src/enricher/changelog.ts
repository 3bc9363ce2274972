/**
 * State of one input partition that must survive a crash or a rebalance, written to the compacted changelog
 * topic in the same Kafka transaction as the output it belongs to (Kafka Streams' approach): active alarms,
 * readings held for the grace period, device liveness. Keys are prefixed by kind.
 */
import type { ActiveAlarm, MetricCode } from '@vitals/shared';

export interface Placement {
  readonly customerId: string;
  readonly patientId: string;
  readonly departmentId: string;
  readonly bedId: string;
}

export interface AlarmEntry extends Placement {
  readonly alarm: ActiveAlarm;
}

export interface HeldEntry {
  /** The raw record value, as received. */
  readonly value: string;
  readonly key: string | null;
  readonly offset: string;
  readonly heldAtMs: number;
  readonly reason: string;
}

export interface DeviceEntry extends Placement {
  /** Arrival (processing) time of the device's last live reading. */
  readonly lastSeenMs: number;
  /** Episode id of the device-offline alarm while it is active. */
  readonly silentEpisode?: string;
}

export const changelogKey = {
  alarm: (deviceId: string, metric: MetricCode) => `a|${deviceId}|${metric}`,
  held: (readingId: string) => `h|${readingId}`,
  device: (deviceId: string) => `d|${deviceId}`,
};

export type ChangelogWrite = { readonly key: string; readonly value: string | null };

export interface RestoredState {
  readonly alarms: Map<string, AlarmEntry>;
  readonly held: Map<string, HeldEntry>;
  readonly devices: Map<string, DeviceEntry>;
}

/** Rebuilds partition state from the latest changelog value of every key (null = deleted). */
export function decodeChangelog(latest: ReadonlyMap<string, string | null>): RestoredState {
  const state: RestoredState = { alarms: new Map(), held: new Map(), devices: new Map() };
  for (const [key, value] of latest) {
    if (value === null) continue;
    const kind = key.slice(0, 2);
    const rest = key.slice(2);
    try {
      const parsed: unknown = JSON.parse(value);
      if (kind === 'a|') state.alarms.set(rest, parsed as AlarmEntry);
      else if (kind === 'h|') state.held.set(rest, parsed as HeldEntry);
      else if (kind === 'd|') state.devices.set(rest, parsed as DeviceEntry);
    } catch {
      // A value we cannot read is skipped; the next write for that key replaces it.
    }
  }
  return state;
}

/** The changelog topic's settings: compacted, so the latest value of each key is the state. */
export const CHANGELOG_TOPIC_CONFIG = [{ name: 'cleanup.policy', value: 'compact' }] as const;
