/** MQTT clients of the config tests: a gateway (or impostor) connecting with credentials, collecting messages. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { waitFor } from '@vitals/shared';

export interface Collector {
  readonly client: MqttClient;
  readonly messages: Array<{ topic: string; payload: string; retain: boolean }>;
  waitFor(pred: (m: { topic: string; payload: string }) => boolean, what: string): Promise<{ topic: string; payload: string }>;
  end(): Promise<void>;
}

export async function connectCollector(url: string, opts: IClientOptions): Promise<Collector> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
  const messages: Collector['messages'] = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }),
  );
  return {
    client,
    messages,
    waitFor: (pred, what) => waitFor(() => messages.find(pred), { timeoutMs: 15_000, intervalMs: 20, what }),
    end: () => client.endAsync(true),
  };
}

/** Connecting is refused (CONNACK error, TLS failure, or the connection closed before CONNACK): resolves with why. */
export function connectRefused(url: string, opts: IClientOptions): Promise<Error> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
    c.once('connect', () => {
      c.end(true);
      reject(new Error('the broker accepted the connection'));
    });
    c.once('error', (err) => {
      c.end(true);
      resolve(err);
    });
    c.once('close', () => {
      c.end(true);
      resolve(new Error('connection closed before CONNACK'));
    });
  });
}

/** A bedside monitor connecting to a gateway's broker. */
export function connectDevice(url: string, clientId: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
}

/** A device frame with one heart rate, measured now. */
export function heartRateFrame(seq: number, heartRate: number): Buffer {
  return Buffer.from(JSON.stringify({ seq, measuredAt: new Date().toISOString(), metrics: { heart_rate: heartRate } }));
}

/** The SUBACK return codes of a subscription (128: refused), whether the broker granted it or not. */
export async function subscribeCodes(client: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: Array<number | { qos: number }> } }).packet;
    if (!packet?.granted) throw err;
    return packet.granted.map((g) => (typeof g === 'number' ? g : g.qos));
  }
}
