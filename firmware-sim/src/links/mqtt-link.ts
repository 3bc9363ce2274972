/**
 * MQTT link of a simulated monitor: QoS 1 publishes to `vitals/devices/<id>/readings`, presence on
 * `.../status` ("online" retained, last will "offline"), retained settings read from `.../settings`.
 * Each connection is a fresh client with automatic reconnection off, so this link decides when to
 * reconnect and knows exactly which publishes were still waiting for their PUBACK when a connection died.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { MQTT_TOPICS, type Clock } from '@vitals/shared';
import { SimErrors } from '../errors.js';
import type { DeviceLink, LinkHandlers, OutboundMessage, ReconnectTimer, SendOutcome } from './link.js';

export interface MqttLinkOptions {
  readonly url: string;
  readonly deviceId: string;
  /** Defaults to the device id. */
  readonly username?: string;
  readonly password?: string;
  /** Defaults to the device id. */
  readonly clientId?: string;
  readonly keepaliveS?: number;
  readonly connectTimeoutMs?: number;
}

export interface MqttLinkDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly reconnect: ReconnectTimer;
  readonly handlers: LinkHandlers;
  /** mqtt.js `connect`, injectable. */
  readonly connect?: (url: string, opts: IClientOptions) => MqttClient;
}

interface InFlight {
  settle(outcome: SendOutcome): void;
}

export function createMqttLink(opts: MqttLinkOptions, deps: MqttLinkDeps): DeviceLink {
  const { clock, log, reconnect, handlers } = deps;
  const connect = deps.connect ?? mqtt.connect;
  const statusTopic = MQTT_TOPICS.deviceStatus(opts.deviceId);
  const readingsTopic = MQTT_TOPICS.deviceReadings(opts.deviceId);
  const settingsTopic = MQTT_TOPICS.deviceSettings(opts.deviceId);
  let current: MqttClient | undefined;
  let up = false;
  let closing = false;
  let dropReason: string | undefined;
  const inflight = new Set<InFlight>();

  const lost = (client: MqttClient, reason: string): void => {
    if (client !== current) return;
    current = undefined;
    const wasUp = up;
    up = false;
    for (const f of [...inflight]) f.settle({ status: 'lost', reason });
    client.removeAllListeners('close');
    client.on('error', () => undefined);
    client.end(true);
    if (wasUp) handlers.onDown(reason);
    if (!closing) reconnect.schedule(connectOnce);
  };

  function connectOnce(): void {
    if (closing) return;
    dropReason = undefined;
    const client = connect(opts.url, {
      clientId: opts.clientId ?? opts.deviceId,
      username: opts.username ?? opts.deviceId,
      ...(opts.password !== undefined && opts.password !== '' ? { password: opts.password } : {}),
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      keepalive: opts.keepaliveS ?? 30,
      protocolVersion: 4,
      will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    current = client;
    client.on('connect', () => {
      if (client !== current) return;
      up = true;
      reconnect.backoff.reset();
      log.info({ url: opts.url }, 'mqtt connected');
      client.publish(statusTopic, 'online', { qos: 1, retain: true }, () => undefined);
      client.subscribe(settingsTopic, { qos: 1 }, () => undefined);
      handlers.onUp();
    });
    client.on('message', (topic, payload) => {
      if (topic !== settingsTopic) return;
      try {
        const s = JSON.parse(payload.toString('utf8')) as { samplingIntervalMs?: unknown };
        const ms = s.samplingIntervalMs;
        if (typeof ms === 'number' && Number.isInteger(ms) && ms >= 100 && ms <= 3_600_000) {
          handlers.onSettings?.({ samplingIntervalMs: ms });
        } else {
          log.warn({ samplingIntervalMs: ms }, 'settings without a usable samplingIntervalMs ignored');
        }
      } catch (err) {
        log.warn({ err }, 'settings payload is not JSON; ignored');
      }
    });
    client.on('error', (err) => {
      if (client !== current) return;
      const e = SimErrors.SIM_ERR_CONNECT_FAILED.withCause(err, opts.deviceId, opts.url, err.message);
      log.warn({ err: e }, 'mqtt error');
    });
    client.on('close', () => lost(client, dropReason ?? 'disconnect'));
  }

  return {
    kind: 'mqtt',
    target: opts.url,
    get connected() {
      return up;
    },
    open() {
      closing = false;
      if (!current) connectOnce();
    },
    send(msg: OutboundMessage): Promise<SendOutcome> {
      const client = current;
      if (!client || !up) return Promise.resolve({ status: 'failed', reason: 'not connected' });
      return new Promise((resolve) => {
        let done = false;
        const f: InFlight = {
          settle(outcome) {
            if (done) return;
            done = true;
            inflight.delete(f);
            resolve(outcome);
          },
        };
        inflight.add(f);
        client.publish(readingsTopic, msg.bytes, { qos: 1 }, (err) => {
          if (err) f.settle({ status: 'lost', reason: `publish: ${err.message}` });
          else f.settle({ status: 'acked', code: 'PUBACK' });
        });
      });
    },
    drop(reason, downMs) {
      reconnect.hold(downMs);
      const client = current;
      if (!client) return;
      dropReason = reason;
      // Destroying the socket sends no DISCONNECT: the broker publishes the last will ("offline").
      client.stream.destroy();
    },
    async close() {
      closing = true;
      reconnect.cancel();
      const client = current;
      current = undefined;
      for (const f of [...inflight]) f.settle({ status: 'lost', reason: 'stopped' });
      if (!client) return;
      const wasUp = up;
      up = false;
      client.removeAllListeners('close');
      client.on('error', () => undefined);
      if (wasUp) {
        await new Promise<void>((resolve) => {
          const t = clock.setTimeout(resolve, 2000);
          client.publish(statusTopic, 'offline', { qos: 1, retain: true }, () => {
            clock.clearTimeout(t);
            resolve();
          });
        });
      }
      await new Promise<void>((resolve) => {
        const t = clock.setTimeout(() => {
          client.stream.destroy();
          resolve();
        }, 2000);
        client.end(false, () => {
          clock.clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
