/**
 * An external MQTT broker (Mosquitto, ...) for the push-down. The service connects with its own credentials and a
 * persistent session (clean=false, fixed client id), publishes documents retained at QoS 1 (resolved on the
 * broker's PUBACK), and subscribes to `vitals/config/+/ack` at QoS 1, acknowledging each delivery to the broker
 * only after the acknowledgement is recorded (mqtt.js sends the PUBACK when `handleMessage` calls back), so the
 * broker redelivers what the service had not recorded.
 *
 * Gateway authentication and topic authorisation are then the broker's job: user name = gateway id with a
 * password per gateway, and an ACL equivalent to the embedded broker's rules (`mosquittoAcl()` in
 * topic-rules.ts). The service cannot tell who is connected.
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import type { Logger } from '../../logging.js';
import { ConfigServiceErrors } from '../errors.js';
import type { ConfigTransport, TransportEvents } from './transport.js';
import { ACK_SUBSCRIPTION, gatewayOfAckTopic } from './topic-rules.js';

export interface ExternalBrokerOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly caFile: string;
  readonly events: TransportEvents;
  readonly log: Logger;
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw ConfigServiceErrors.CONFIG_ERR_TLS_FILES.withCause(err, file, (err as Error).message);
  }
}

export function startExternalBroker(o: ExternalBrokerOptions): ConfigTransport {
  const { log } = o;
  let subscribed = false;
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
    ...(o.caFile ? { ca: readCa(o.caFile) } : {}),
  });
  client.on('connect', (ack) => {
    log.info({ url: o.url, sessionPresent: ack.sessionPresent }, 'connected to the external MQTT broker');
    client.subscribe(ACK_SUBSCRIPTION, { qos: 1 }, (err, granted) => {
      if (err || granted?.some((g) => g.qos === 128)) {
        log.error({ err, granted }, `subscription to ${ACK_SUBSCRIPTION} refused by the broker`);
      } else subscribed = true;
    });
  });
  client.on('close', () => {
    subscribed = false;
  });
  client.on('error', (err) => log.warn({ err }, 'external MQTT broker error'));
  client.on('offline', () => log.warn({ url: o.url }, 'external MQTT broker unreachable; reconnecting'));

  client.handleMessage = (packet, done) => {
    const gatewayId = gatewayOfAckTopic(packet.topic);
    if (!gatewayId) return done();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    o.events.onAck(gatewayId, payload).then(
      () => done(),
      (err: unknown) => {
        log.warn({ err, gatewayId }, 'acknowledgement not recorded; the broker will deliver it again');
        // No PUBACK: dropping the connection makes the broker redeliver it from the persistent session.
        client.stream.destroy();
        done();
      },
    );
  };

  const publish = async (topic: string, payload: Buffer) => {
    try {
      await client.publishAsync(topic, payload, { qos: 1, retain: true });
    } catch (err) {
      throw ConfigServiceErrors.CONFIG_ERR_BROKER_UNAVAILABLE.withCause(err, o.url, (err as Error).message);
    }
  };
  return {
    kind: 'external',
    url: o.url,
    publish,
    clear: (topic) => publish(topic, Buffer.alloc(0)),
    ready: () => client.connected && subscribed,
    connectedGateways: () => undefined,
    revalidate: async () => undefined,
    close: () => client.endAsync(false),
  };
}
