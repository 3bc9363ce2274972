/**
 * MQTT ingestion through an external broker (such as Mosquitto), same topics as the embedded broker.
 *
 * The gateway holds a persistent session (clean=false, fixed client id) with QoS 1 subscriptions and
 * acknowledges each delivery to the broker only after its SQLite commit (mqtt.js sends the PUBACK when
 * `handleMessage` calls back). If the gateway dies first, the broker redelivers. The device's own PUBACK comes
 * from the broker: device authentication and "publish only under your own id" are the broker's ACLs here
 * (Mosquitto: `pattern write vitals/devices/%u/#`); the gateway still applies the allow-list or credentials
 * file as the set of known device ids. mqtt.js handles deliveries one at a time, so each is committed at once
 * instead of waiting for the group-commit linger.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock } from '@vitals/shared';
import type { Logger } from 'pino';
import type { LocalState } from '../../local-state.js';
import type { DeviceAuth } from '../device-auth.js';
import type { Ingest } from '../ingest.js';
import { createMqttReadingsHandler, errorNote, type MqttReadingsDeps } from './mqtt-readings.js';
import { parsePresence, type DeviceTopics } from './topics.js';

export interface ExternalClientOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly topics: DeviceTopics;
  readonly auth: DeviceAuth;
  readonly ingest: Ingest;
  readonly readings: Omit<MqttReadingsDeps, 'notify'>;
  readonly state: LocalState;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ExternalClient {
  readonly client: MqttClient;
  /** Connected and subscribed. */
  connected(): boolean;
  close(): Promise<void>;
}

export function startExternalClient(o: ExternalClientOptions): ExternalClient {
  const { topics, log } = o;
  let subscribed = false;
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
  });
  const handler = createMqttReadingsHandler({
    ...o.readings,
    notify: (deviceId, rejections) => client.publish(topics.errors(deviceId), errorNote(rejections), { qos: 0 }),
  });

  client.on('connect', (ack) => {
    log.info({ url: o.url, sessionPresent: ack.sessionPresent }, 'connected to the external MQTT broker');
    client.subscribe([topics.readingsWildcard, topics.statusWildcard], { qos: 1 }, (err) => {
      if (err) log.error({ err }, 'subscription at the external broker failed');
      else subscribed = true;
    });
  });
  client.on('close', () => {
    subscribed = false;
  });
  client.on('error', (err) => log.warn({ err }, 'external MQTT broker error'));
  client.on('offline', () => log.warn({ url: o.url }, 'external MQTT broker unreachable; reconnecting'));

  client.handleMessage = (packet, done) => {
    const t = topics.parse(packet.topic);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (!t) return done();
    if (t.kind === 'status') {
      const status = parsePresence(payload);
      if (status) o.state.setPresence({ deviceId: t.deviceId, status, atMs: o.clock.now(), via: 'status' });
      return done();
    }
    if (t.kind !== 'readings') return done();
    const after = (err: Error | null) => {
      if (err) {
        // Not committed: no PUBACK. Reconnecting makes the broker deliver it again.
        client.stream.destroy();
      }
      done();
    };
    if (!o.auth.isKnownDevice(t.deviceId)) {
      handler.refuse(
        t.deviceId,
        { reason: 'UNKNOWN_DEVICE', detail: `device ${t.deviceId} is not known to this gateway`, payload },
        after,
      );
    } else {
      handler.readings(t.deviceId, payload, after);
    }
    o.ingest.flush();
  };

  return {
    client,
    connected: () => client.connected && subscribed,
    close: () => client.endAsync(false),
  };
}
