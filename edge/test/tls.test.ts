/**
 * TLS both ways: the forwarder verifies the cloud's certificate against a private CA (CLOUD_CA_FILE) and
 * refuses it without; the gateway's HTTP API serves TLS from a certificate and key. Certificates are made
 * with openssl for the test.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { waitFor } from '@vitals/shared';
import type { Gateway } from '../src/gateway.js';
import { startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';

function makeCertificates(dir: string) {
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Vitals Test CA',
  );
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('san.ext'),
  );
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

describe('TLS', () => {
  const certDir = tempDir('edge-tls-');
  let certs: ReturnType<typeof makeCertificates>;
  let dir: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  let cloud: StandInCloud | undefined;
  let device: MqttClient | undefined;

  beforeAll(() => {
    certs = makeCertificates(certDir.path);
  });
  afterAll(() => certDir.remove());
  afterEach(async () => {
    await device?.endAsync(true);
    device = undefined;
    await gw?.close();
    gw = undefined;
    await cloud?.close();
    cloud = undefined;
    dir.remove();
  });

  const startCloud = () => startStandInCloud({ tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });

  it('forwards to a cloud whose certificate is signed by the configured private CA', async () => {
    dir = tempDir();
    cloud = await startCloud();
    gw = await startTestGateway(dir.path, { cloudUrl: cloud.url, cloudCaFile: certs.ca, forwardLinger: 10 });
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
    gw = await startTestGateway(dir.path, { httpTlsCert: certs.cert, httpTlsKey: certs.key });
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: gw!.ports.http, path: '/healthz', ca: readFileSync(certs.ca) }, (res) => {
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
