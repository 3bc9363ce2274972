/** A bedside monitor for tests: a real mqtt.js client publishing frames at QoS 1. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export async function connectDevice(url: string, clientId: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
}

export function frame(
  seq: number,
  measuredAtMs: number,
  metrics: Record<string, number | null | string>,
  extra: object = {},
): Buffer {
  return Buffer.from(JSON.stringify({ seq, measuredAt: new Date(measuredAtMs).toISOString(), metrics, ...extra }));
}
