/**
 * TLS both ways: the forwarder verifies the cloud's certificate against a private CA (CLOUD_CA_FILE) and
 * refuses it without; the gateway's HTTP API serves TLS from a certificate and key. Certificates are made
 * with openssl for the test.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { waitFor } from '@vitals/shared';
import { makeCerts, type TestCerts } from '@vitals/stack/testing/certs';
import type { Gateway } from '../src/gateway.js';
import { startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';

describe('TLS', () => {
  let certs: TestCerts;
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  let cloud: StandInCloud | undefined;
  let device: MqttClient | undefined;

  beforeAll(async () => {
    certs = await makeCerts();
  });
  afterAll(() => certs?.remove());
  afterEach(async () => {
    await device?.endAsync(true);
    device = undefined;
    await gw?.close();
    gw = undefined;
    await cloud?.close();
    cloud = undefined;
    dir.remove();
  });

  const startCloud = () => startStandInCloud({ tls: { cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) } });

  it('forwards to a cloud whose certificate is signed by the configured private CA', async () => {
    dir = tempDir();
    cloud = await startCloud();
    gw = await startTestGateway(dir.path, { cloudUrl: cloud.url, cloudCaFile: certs.caFile, forwardLinger: 10 });
    device = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-T1');
    await device.publishAsync('vitals/devices/MON-T1/readings', frame(1, Date.now(), { heart_rate: 70, spo2: 97 }), { qos: 1 });
    await waitFor(() => cloud!.accepted.length === 2, { timeoutMs: 10_000, what: 'readings over TLS' });
    expect(cloud.url).toMatch(/^https:/);
  });

  it('refuses a cloud certificate it cannot verify, and keeps the readings', async () => {
    dir = tempDir();
    cloud = await startCloud();
    gw = await startTestGateway(dir.path, { cloudUrl: cloud.url, forwardLinger: 10, backoffInitial: 50, backoffMax: 200 });
    device = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-T2');
    await device.publishAsync('vitals/devices/MON-T2/readings', frame(1, Date.now(), { heart_rate: 70 }), { qos: 1 });
    await waitFor(async () => /TLS to the cloud/.test((await gw!.status()).uplink.lastError ?? ''), {
      timeoutMs: 10_000,
      what: 'a TLS error',
    });
    expect(cloud.accepted).toHaveLength(0);
    expect(gw.store.counts.unsent).toBe(1);
  });

  it('serves its HTTP API over TLS when given a certificate and key', async () => {
    dir = tempDir();
    gw = await startTestGateway(dir.path, { httpTlsCert: certs.certFile, httpTlsKey: certs.keyFile });
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: gw!.ports.http, path: '/healthz', ca: certs.ca }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        })
        .on('error', reject);
    });
    expect(body.status).toBe(200);
    expect(JSON.parse(body.text)).toMatchObject({ status: 'ok' });
  });
});
