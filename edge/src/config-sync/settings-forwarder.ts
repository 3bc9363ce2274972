/**
 * Device settings from the applied document, forwarded to the devices on the gateway's own broker:
 * `<prefix>/devices/<deviceId>/settings`, retained, QoS 1, so a monitor gets them whenever it (re)connects.
 * Only devices whose settings changed are published; a device whose settings were removed gets its retained
 * message cleared (zero bytes). At start everything applied is published once (the embedded broker keeps
 * retained messages in memory only).
 */
import type { DeviceSettings } from '@vitals/shared';
import type { Logger } from 'pino';
import type { CompiledConfig } from './compiled-config.js';

/** Publishes retained at QoS 1 on the gateway's broker. */
export type RetainedPublish = (topic: string, payload: Buffer) => void;

export interface SettingsForwarder {
  /** Publishes what differs between two applied configurations (everything when `previous` is undefined). */
  forward(next: CompiledConfig, previous: CompiledConfig | undefined): number;
}

function payloadOf(s: DeviceSettings): Buffer {
  return Buffer.from(JSON.stringify(s));
}

export function createSettingsForwarder(o: {
  readonly topic: (deviceId: string) => string;
  readonly publish: RetainedPublish | undefined;
  readonly log: Logger;
}): SettingsForwarder {
  return {
    forward(next, previous) {
      if (!o.publish) {
        if (next.settings.size > 0) o.log.warn('device settings not forwarded: MQTT ingestion is off');
        return 0;
      }
      let sent = 0;
      for (const [deviceId, s] of next.settings) {
        const before = previous?.settings.get(deviceId);
        if (before && JSON.stringify(before) === JSON.stringify(s)) continue;
        o.publish(o.topic(deviceId), payloadOf(s));
        sent++;
      }
      for (const deviceId of previous?.settings.keys() ?? []) {
        if (next.settings.has(deviceId)) continue;
        o.publish(o.topic(deviceId), Buffer.alloc(0));
        sent++;
      }
      if (sent > 0) o.log.info({ devices: sent, version: next.version }, 'device settings forwarded');
      return sent;
    },
  };
}
