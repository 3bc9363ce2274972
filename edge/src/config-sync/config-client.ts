/**
 * The gateway's MQTT client to the cloud's config broker: user name = gateway id, password = its token (unless
 * EDGE_CONFIG_USERNAME/PASSWORD say otherwise), TLS verified against the system CAs plus a private CA when the URL
 * is `mqtts://`. It subscribes to `vitals/config/<gatewayId>` at QoS 1 with a clean session: after any time
 * offline the broker hands over only the retained message, the newest version, never the versions in between.
 * Each delivery is applied (synchronously, SQLite included), its acknowledgement published on
 * `vitals/config/<gatewayId>/ack` at QoS 1, and only then is the delivery acknowledged to the broker.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { MQTT_TOPICS, type Clock } from '@vitals/shared';
import type { Logger } from 'pino';
import { EdgeErrors } from '../errors.js';
import type { ConfigApplier } from './config-applier.js';

export interface ConfigClientOptions {
  readonly url: string;
  readonly gatewayId: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly ca?: Buffer;
  readonly applier: ConfigApplier;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ConfigClient {
  readonly client: MqttClient;
  readonly url: string;
  /** Connected and subscribed. */
  connected(): boolean;
  lastError(): string | null;
  close(): Promise<void>;
}

/** Repeating connection failures are logged at most this often. */
const ERROR_LOG_EVERY_MS = 60_000;

export function startConfigClient(o: ConfigClientOptions): ConfigClient {
  const { log } = o;
  const topic = MQTT_TOPICS.gatewayConfig(o.gatewayId);
  const ackTopic = MQTT_TOPICS.gatewayConfigAck(o.gatewayId);
  let subscribed = false;
  let lastError: string | null = null;
  let lastErrorLogAt = -Infinity;
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    username: o.username,
    password: o.password,
    ...(o.ca ? { ca: o.ca } : {}),
  });
  client.on('connect', () => {
    lastError = null;
    log.info({ url: o.url }, 'connected to the config broker');
    client.subscribe(topic, { qos: 1 }, (err, granted) => {
      if (err || granted?.some((g) => g.qos === 128)) {
        lastError = `subscription to ${topic} refused`;
        log.error({ err, topic }, 'the config broker refused the subscription');
        return;
      }
      subscribed = true;
    });
  });
  client.on('close', () => {
    subscribed = false;
  });
  client.on('error', (err) => {
    lastError = err.message;
    const now = o.clock.now();
    if (now - lastErrorLogAt >= ERROR_LOG_EVERY_MS) {
      lastErrorLogAt = now;
      log.warn({ err: EdgeErrors.EDGE_ERR_CONFIG_UPLINK.withCause(err, o.url, err.message) }, 'config broker error; retrying');
    }
  });
  client.handleMessage = (packet, done) => {
    if (packet.topic !== topic) return done();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    let ack;
    try {
      ack = o.applier.receive(payload);
    } catch (err) {
      log.error({ err }, 'configuration could not be handled');
      return done();
    }
    if (!ack) return done();
    client.publish(ackTopic, JSON.stringify(ack), { qos: 1 }, (err) => {
      if (err) log.warn({ err, version: ack.version }, 'acknowledgement not sent; it is sent again with the next delivery');
    });
    done();
  };
  return {
    client,
    url: o.url,
    connected: () => client.connected && subscribed,
    lastError: () => lastError,
    close: () => client.endAsync(false),
  };
}
