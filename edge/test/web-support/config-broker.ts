/** A real MQTT broker (aedes on an ephemeral port) standing in for the cloud's config broker: it holds a gateway's retained document. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { MQTT_TOPICS, type ConfigAck, type GatewayConfigDocument } from '@vitals/shared';

export interface ConfigBroker {
  readonly url: string;
  /** Acknowledgements the gateways sent, in order. */
  readonly acks: Array<{ gatewayId: string; ack: ConfigAck }>;
  publish(doc: GatewayConfigDocument): Promise<void>;
  close(): Promise<void>;
}

export async function startConfigBroker(): Promise<ConfigBroker> {
  const broker = await Aedes.createBroker();
  const acks: ConfigBroker['acks'] = [];
  broker.on('publish', (packet) => {
    const m = /^vitals\/config\/([^/]+)\/ack$/.exec(packet.topic);
    if (m) acks.push({ gatewayId: m[1]!, ack: JSON.parse(packet.payload.toString()) as ConfigAck });
  });
  const server = net.createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    acks,
    publish: (doc) =>
      new Promise<void>((resolve, reject) =>
        broker.publish(
          {
            cmd: 'publish',
            topic: MQTT_TOPICS.gatewayConfig(doc.gatewayId),
            payload: Buffer.from(JSON.stringify(doc)),
            qos: 1,
            retain: true,
            dup: false,
          },
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
