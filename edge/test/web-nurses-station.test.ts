/**
 * The nurses' station page in a real browser (Debian's Chromium through playwright-core) against a real gateway:
 * SQLite in a temporary folder, the embedded MQTT broker with monitors publishing through mqtt.js and the device
 * simulator, a stand-in cloud that the test stops, and a real MQTT broker holding the ward's configuration
 * document (beds, patients, thresholds), so the page shows what a ward sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { waitFor, type GatewayConfigDocument } from '@vitals/shared';
import { createSimulation, type Simulation } from '@vitals/firmware-sim';
import type { Gateway } from '../src/gateway.js';
import type { WardSnapshot } from '../src/http/ward-view/schemas.js';
import { startTestGateway, tempDir } from './support/gateway.js';
import { connectDevice, frame } from './support/mqtt-device.js';
import { startStandInCloud, type StandInCloud } from './support/stand-in-cloud.js';
import { launchBrowser, screenshot } from '@vitals/stack/testing/browser';
import { startConfigBroker, type ConfigBroker } from './web-support/config-broker.js';

const GATEWAY = `gw-web-${process.pid}`;
const BED_1 = '10000000-0000-4000-8000-000000000001';
const BED_2 = '10000000-0000-4000-8000-000000000002';
const PATIENT_1 = '20000000-0000-4000-8000-000000000001';
const PATIENT_2 = '20000000-0000-4000-8000-000000000002';

const wardDocument: GatewayConfigDocument = {
  gatewayId: GATEWAY,
  version: 3,
  issuedAt: new Date().toISOString(),
  departmentId: '30000000-0000-4000-8000-000000000001',
  patientNamePolicy: 'full',
  beds: [
    { bedId: BED_1, label: 'W-01', patient: { id: PATIENT_1, displayName: 'Ada Lovelace' }, deviceIds: ['MON-WEB-1'] },
    { bedId: BED_2, label: 'W-02', patient: { id: PATIENT_2, displayName: 'Ben Okafor' }, deviceIds: ['MON-WEB-2'] },
  ],
  thresholds: [
    { metric: 'heart_rate', low: 50, high: 120, priority: 'medium', hysteresis: 3, scope: 'department' },
    { metric: 'heart_rate', low: 40, high: 140, priority: 'high', hysteresis: 3, scope: 'department' },
  ],
  deviceSettings: [],
};

const W01_SPARK = 'section[data-bed="W-01"] tr[data-metric="heart_rate"] svg.spark path';

/** Waits until the sparkline has at least `points` points (the page's CSP forbids evaluating strings, so poll its attribute). */
async function sparkline(selector: string, p: Page, points: number, timeoutMs: number): Promise<void> {
  await waitFor(
    async () =>
      (
        (await p
          .locator(selector)
          .getAttribute('d', { timeout: 500 })
          .catch(() => null)) ?? ''
      ).split(' L').length >= points,
    { timeoutMs, intervalMs: 50, what: `${points} points in the sparkline` },
  );
}

describe("nurses' station view", () => {
  const dir = tempDir('edge-web-');
  let cloud: StandInCloud;
  let configBroker: ConfigBroker;
  let gw: Gateway;
  let browser: Browser;
  let page: Page;
  let monitor: MqttClient;
  let sim: Simulation | undefined;
  let seq = 0;

  const tile = (bed: string) => page.locator(`section[data-bed="${bed}"]`);
  const heartRate = (bed: string, value: string) =>
    tile(bed).locator('tr[data-metric="heart_rate"] .num', { hasText: new RegExp(`^${value}$`) });
  /** Publishes one frame of the controlled monitor (bed W-01) and resolves once the gateway acknowledged it (committed). */
  const publish = (metrics: Record<string, number>) =>
    monitor.publishAsync('vitals/devices/MON-WEB-1/readings', frame(++seq, Date.now(), metrics), { qos: 1 });

  beforeAll(async () => {
    cloud = await startStandInCloud();
    configBroker = await startConfigBroker();
    await configBroker.publish(wardDocument);
    gw = await startTestGateway(dir.path, {
      gatewayId: GATEWAY,
      cloudUrl: cloud.url,
      configMqttUrl: configBroker.url,
      forwardLinger: 20,
      backoffInitial: 50,
      backoffMax: 300,
      breakerThreshold: 2,
      breakerHalfOpenAfter: 300,
    });
    await waitFor(() => configBroker.acks.some((a) => a.ack.version === 3 && a.ack.status === 'applied'), {
      timeoutMs: 10_000,
      what: 'the gateway to apply the ward document',
    });
    monitor = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'MON-WEB-1');
    await publish({ heart_rate: 72, spo2: 97, resp_rate: 14 });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/`);
    await page.getByTestId('connection').filter({ hasText: 'yes' }).waitFor({ timeout: 10_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await monitor?.endAsync(true);
    await gw?.close();
    await configBroker?.close();
    await cloud?.close();
    dir.remove();
  });

  it('lays the ward out by bed with the patient display names of the applied configuration', async () => {
    await tile('W-01').getByRole('heading', { name: 'Bed W-01' }).waitFor({ timeout: 5_000 });
    expect(await tile('W-01').locator('.patient').textContent()).toBe('Ada Lovelace');
    expect(await tile('W-02').locator('.patient').textContent()).toBe('Ben Okafor');
    await heartRate('W-01', '72').waitFor({ timeout: 2_000 });
    expect(await tile('W-01').locator('tr[data-metric="spo2"] .unit').textContent()).toBe('%');
    // The same snapshot as JSON, through its response schema.
    const snap = (await (await fetch(`http://127.0.0.1:${gw.ports.http}/api/ward`)).json()) as WardSnapshot;
    expect(snap.beds.configVersion).toBe(3);
    expect(snap.beds.beds?.map((b) => [b.label, b.patient?.displayName, b.deviceIds])).toEqual([
      ['W-01', 'Ada Lovelace', ['MON-WEB-1']],
      ['W-02', 'Ben Okafor', ['MON-WEB-2']],
    ]);
    expect(snap.devices.find((d) => d.deviceId === 'MON-WEB-1')?.latest.heart_rate?.value).toBe(72);
  });

  it('shows a simulated reading within two seconds of its acknowledgement', async () => {
    sim = createSimulation({
      devices: [{ id: 'MON-WEB-2', transport: { kind: 'mqtt', url: `mqtt://127.0.0.1:${gw.ports.mqtt}` }, artefactRate: 0 }],
      schedule: false,
      seed: 7,
    });
    await sim.start();
    await sim.waitConnected();
    sim.sample('MON-WEB-2', 1);
    await sim.whenIdle();
    const sent = sim.ledger.entries().find((e) => e.deviceId === 'MON-WEB-2' && e.ack.status === 'acked');
    expect(sent).toBeDefined();
    const hr = Math.round(Number(sent!.metrics!.heart_rate));
    // The stated bound: the value is on the screen within two seconds of the gateway's acknowledgement.
    await heartRate('W-02', String(hr)).waitFor({ timeout: 2_000 });
    await tile('W-02')
      .locator('tr[data-metric="heart_rate"] .age')
      .filter({ hasText: /now|\d+ s/ })
      .waitFor({ timeout: 2_000 });
    await screenshot(page, 'edge-nurses-station-live');
  });

  it('draws the last hour as a sparkline, live and for a page opened later', async () => {
    // Readings measured over the last hour (a monitor catching up), then a current one.
    for (const [minutesAgo, v] of [
      [45, 70],
      [30, 74],
      [15, 78],
    ] as const) {
      await monitor.publishAsync(
        'vitals/devices/MON-WEB-1/readings',
        frame(++seq, Date.now() - minutesAgo * 60_000, { heart_rate: v }),
        {
          qos: 1,
        },
      );
    }
    await publish({ heart_rate: 76 });
    await heartRate('W-01', '76').waitFor({ timeout: 2_000 });
    await sparkline(W01_SPARK, page, 4, 2_000);
    const other = await browser.newPage();
    await other.goto(`http://127.0.0.1:${gw.ports.http}/`);
    await sparkline(W01_SPARK, other, 4, 5_000);
    await other.close();
  });

  it('shows a threshold breach as an alarm with its priority in words, and acknowledges it from the keyboard', async () => {
    await publish({ heart_rate: 152 });
    const alarm = tile('W-01').locator('li.alarm-high');
    await alarm.waitFor({ timeout: 3_000 });
    expect(await alarm.locator('.alarm-priority').textContent()).toContain('High priority alarm');
    expect(await alarm.locator('.alarm-text').textContent()).toBe('Heart rate high: 152 bpm (limit 140)');
    expect(await tile('W-01').getAttribute('class')).toContain('tile-high');
    expect(await page.getByTestId('alarm-summary').textContent()).toContain('1 active alarm (1 high)');
    await screenshot(page, 'edge-nurses-station-alarm');

    // Keyboard only: tab to the button, then Enter.
    const button = alarm.getByRole('button', { name: /Acknowledge high priority alarm: Heart rate high/ });
    await page.locator('body').focus();
    const focused = () => page.evaluate<string | null>("document.activeElement?.getAttribute('aria-label') ?? null");
    const label = await button.getAttribute('aria-label');
    for (let i = 0; i < 40 && (await focused()) !== label; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe(label);
    await page.keyboard.press('Enter');
    await tile('W-01')
      .locator('li.alarm.acked .alarm-acked', { hasText: 'Acknowledged (nurses-station)' })
      .waitFor({ timeout: 3_000 });
    expect(await tile('W-01').getAttribute('class')).not.toContain('tile-high');
    const local = (await (await fetch(`http://127.0.0.1:${gw.ports.http}/api/alarms`)).json()) as {
      alarms: Array<{ acknowledged: boolean; acknowledgedBy: string | null; priority: string }>;
    };
    expect(local.alarms).toEqual([
      expect.objectContaining({ priority: 'high', acknowledged: true, acknowledgedBy: 'nurses-station' }),
    ]);
    await screenshot(page, 'edge-nurses-station-acknowledged');
  });

  it('shows the uplink banner and the backlog when the cloud stops, while values keep updating', async () => {
    await cloud.stop();
    let hr = 80;
    const banner = page.getByTestId('uplink-banner');
    // Readings keep coming while the forwarder discovers the outage.
    for (let i = 0; i < 50 && !(await banner.isVisible()); i++) {
      await publish({ heart_rate: ++hr });
      await banner.waitFor({ timeout: 250 }).catch(() => undefined);
    }
    await banner.waitFor({ timeout: 5_000 });
    expect(await banner.textContent()).toContain('Cloud uplink down');
    expect(await page.getByTestId('uplink-state').textContent()).toBe('DOWN');
    await publish({ heart_rate: 99, spo2: 95 });
    await heartRate('W-01', '99').waitFor({ timeout: 2_000 });
    await page
      .getByTestId('backlog')
      .filter({ hasText: /^[1-9][\d,]* unsent/ })
      .waitFor({ timeout: 5_000 });
    expect(await banner.isVisible()).toBe(true);
    await screenshot(page, 'edge-nurses-station-uplink-down');

    await cloud.start();
    await publish({ heart_rate: 98 });
    await banner.waitFor({ state: 'hidden', timeout: 10_000 });
    await page
      .getByTestId('backlog')
      .filter({ hasText: /^0 unsent/ })
      .waitFor({ timeout: 10_000 });
  });

  it('shows a device-offline banner when a monitor goes away', async () => {
    await sim!.stop();
    sim = undefined;
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor({ timeout: 5_000 });
    expect(await banner.textContent()).toContain('bed W-02 (MON-WEB-2)');
    expect(await tile('W-02').locator('.presence').textContent()).toContain('Monitor offline');
    await screenshot(page, 'edge-nurses-station-offline');
  });

  it('a restarted gateway draws the last hour from its buffer and runs the page with the cloud unreachable', async () => {
    await cloud.stop();
    await gw.close();
    gw = await startTestGateway(dir.path, {
      gatewayId: GATEWAY,
      cloudUrl: cloud.url,
      configMqttUrl: configBroker.url,
      breakerThreshold: 1,
    });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/`);
    await page.getByTestId('connection').filter({ hasText: 'yes' }).waitFor({ timeout: 10_000 });
    await sparkline(W01_SPARK, page, 4, 5_000);
    await screenshot(page, 'edge-nurses-station-restarted');
  });
});
