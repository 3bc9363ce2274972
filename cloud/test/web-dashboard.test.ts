/**
 * The central dashboard and admin portal in a real browser (Debian's Chromium through playwright-core), served by
 * the real web service in front of the real storage, analytics and configuration services on one temporary
 * database, with enriched readings and alert events on private Kafka topics, and a real edge gateway syncing its
 * configuration. What a clinician and an administrator see: the department overview live, a patient's trend
 * charts, the gateways' configuration versions, thresholds, gateway registration and admissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { uniqueSuffix } from '@vitals/stack/testing';
import type { AlertEvent, MetricCode } from '@vitals/shared';
import type { RunningAnalytics } from '../src/analytics/server.js';
import { loadWebConfig } from '../src/web/config.js';
import { startWeb, type RunningWeb } from '../src/web/server.js';
import {
  analyticsEnv,
  createTopic,
  deleteTopics,
  produce,
  reading,
  startInstance,
  testKafka,
  topicsOf,
  type Db,
} from './support/analytics-world.js';
import { startConfigWorld, type ConfigWorld, type Tenant, type TestGateway } from './config-support/world.js';
import { launchBrowser, screenshot } from '@vitals/stack/testing/browser';

describe('dashboard and admin portal', () => {
  let w: ConfigWorld;
  let t: Tenant;
  let patient2: string;
  let kafka: Kafka;
  let producer: Producer;
  let inputTopic: string;
  let alertsTopic: string;
  let analytics: RunningAnalytics;
  let web: RunningWeb;
  let browser: Browser;
  let page: Page;
  let gw: TestGateway | undefined;

  const vitals = (patientId: string, at: number, v: Partial<Record<MetricCode, number>>) =>
    Object.entries(v).map(([metric, value]) => ({
      value: reading(
        { customerId: t.customerId, departmentId: t.departmentId, patients: [] },
        { at, value: value, patientId, metric: metric as MetricCode },
      ),
    }));

  const login = async (token: string) => {
    await page.goto(`${web.url}/#/login`);
    await page.getByLabel('API key or access token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Departments' }).waitFor({ timeout: 10_000 });
  };

  beforeAll(async () => {
    w = await startConfigWorld();
    t = await w.tenant('web');
    const admin = { token: t.adminToken };
    const p2 = await w.storage.call('POST', '/v1/patients', {
      ...admin,
      body: { mrn: `MRN-G-${uniqueSuffix()}`, givenName: 'Grace', familyName: 'Hopper' },
    });
    patient2 = p2.body.id as string;
    const a2 = await w.storage.call('POST', '/v1/assignments', {
      ...admin,
      body: {
        deviceId: t.device2Id,
        patientId: patient2,
        bedId: t.bedB,
        validFrom: new Date(Date.now() - 3_600_000).toISOString(),
      },
    });
    expect(a2.status).toBe(201);
    expect(
      (await w.storage.call('POST', '/v1/beds', { ...admin, body: { departmentId: t.departmentId, label: 'C' } })).status,
    ).toBe(201);

    kafka = testKafka();
    inputTopic = await createTopic(kafka, 2, 'web-analytics-in');
    alertsTopic = await createTopic(kafka, 1, 'web-alerts');
    producer = kafka.producer();
    await producer.connect();
    analytics = await startInstance(analyticsEnv({ url: w.storage.databaseUrl } as Db, inputTopic, `web-test-${uniqueSuffix()}`));
    const now = Date.now();
    for (const [i, ago] of [5, 4, 3, 2, 1].entries()) {
      await produce(producer, inputTopic, [
        ...vitals(t.patientId, now - ago * 60_000, {
          heart_rate: 80 + i,
          spo2: 97,
          resp_rate: 14,
          temperature: 36.8,
          nibp_sys: 120,
        }),
        ...vitals(patient2, now - ago * 60_000, {
          heart_rate: 70 + i,
          spo2: 95,
          resp_rate: 22,
          temperature: 37.9,
          nibp_sys: 105,
        }),
      ]);
    }
    web = await startWeb(
      loadWebConfig({
        DATABASE_URL: w.storage.databaseUrl,
        KAFKA_BROKERS: w.storage.brokers.join(','),
        WEB_PORT: '0',
        WEB_HOST: '127.0.0.1',
        WEB_STORAGE_URL: w.storage.url,
        WEB_ANALYTICS_URL: analytics.url,
        WEB_CONFIG_URL: w.service.url,
        WEB_ALERTS_TOPIC: alertsTopic,
      }),
      { log: pino({ level: process.env.WEB_TEST_LOG ?? 'silent' }) },
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('dialog', (d) => void d.accept());
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await gw?.stop();
    await analytics?.close();
    await producer?.disconnect();
    if (kafka)
      await deleteTopics(kafka, [...(inputTopic ? topicsOf(inputTopic) : []), ...(alertsTopic ? topicsOf(alertsTopic) : [])]);
    await w?.close();
  });

  it('the department overview lists the seeded patients with their values, NEWS2 and alerts, and updates live', async () => {
    await login(t.clinicianToken);
    await page.getByRole('link', { name: /Intensive care/ }).click();
    const overview = page.getByTestId('overview');
    const row = (pid: string) => overview.locator(`tr[data-patient="${pid}"]`);
    await row(t.patientId).getByRole('link', { name: 'Lovelace, Ada' }).waitFor({ timeout: 15_000 });
    await row(patient2).getByRole('link', { name: 'Hopper, Grace' }).waitFor({ timeout: 5_000 });
    await row(t.patientId).locator('td[data-metric="heart_rate"]', { hasText: /^84$/ }).waitFor({ timeout: 15_000 });
    await row(patient2).locator('td[data-metric="resp_rate"]', { hasText: /^22$/ }).waitFor({ timeout: 5_000 });
    // Grace: RR 22 (2) + SpO2 95 (1) + Sys 105 (1) + temp 37.9 (0) + HR 74 (0) = 4.
    expect(await row(patient2).locator('.news').textContent()).toMatch(/^4\s*low/);
    expect(await row(t.patientId).locator('td').first().textContent()).toBe('A');
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });

    // A new reading arrives: the overview changes without a reload (analytics WebSocket through the web service).
    await produce(producer, inputTopic, vitals(t.patientId, Date.now(), { heart_rate: 131 }));
    await row(t.patientId).locator('td[data-metric="heart_rate"]', { hasText: /^131$/ }).waitFor({ timeout: 15_000 });
    expect(await row(t.patientId).locator('.news').textContent()).toMatch(/^3\s*low-medium/);

    const alert: AlertEvent = {
      alertId: `alert-${uniqueSuffix()}`,
      kind: 'raise',
      category: 'physiological',
      customerId: t.customerId,
      patientId: t.patientId,
      departmentId: t.departmentId,
      bedId: t.bedA,
      deviceId: t.deviceId,
      metric: 'heart_rate',
      condition: 'high',
      priority: 'high',
      value: 131,
      at: new Date().toISOString(),
    };
    await producer.send({ topic: alertsTopic, acks: -1, messages: [{ key: t.patientId, value: JSON.stringify(alert) }] });
    await row(t.patientId).locator('.alert-list li', { hasText: 'Heart rate high: 131 bpm' }).waitFor({ timeout: 15_000 });
    expect(await row(t.patientId).locator('.prio').textContent()).toContain('HIGH');
    await screenshot(page, 'cloud-dashboard-department-overview');
  });

  it('the patient page charts the windowed aggregates, at 1 and 5 minutes', async () => {
    await page.getByTestId('overview').getByRole('link', { name: 'Hopper, Grace' }).click();
    await page.getByRole('heading', { name: 'Hopper, Grace' }).waitFor({ timeout: 10_000 });
    const chart = page.getByTestId('chart-heart_rate');
    await chart.locator('canvas').waitFor({ timeout: 10_000 });
    expect(Number(await chart.locator('.chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(5);
    await chart.locator('summary').click();
    await chart.locator('table.data td.num', { hasText: /^74$/ }).first().waitFor({ timeout: 5_000 });
    // The live stream extends the chart too.
    await produce(producer, inputTopic, vitals(patient2, Date.now(), { heart_rate: 99 }));
    await page.locator('.latest-item[data-metric="heart_rate"] .latest-value', { hasText: /^99/ }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'cloud-dashboard-patient-1m');

    await page.getByRole('radio', { name: '5 minutes' }).check();
    await page
      .getByText(/average and range per 5 minutes/)
      .first()
      .waitFor({ timeout: 10_000 });
    await chart.locator('canvas').waitFor({ timeout: 10_000 });
    expect(Number(await chart.locator('.chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'cloud-dashboard-patient-5m');
  });

  it('an admin threshold change shows up as in sync once the gateway acknowledges it', async () => {
    await login(t.adminToken);
    gw = await w.startGateway(t);
    await page.goto(`${web.url}/#/admin/gateways`);
    const gwRow = page.getByTestId('config-status').locator(`tr[data-gateway="${t.gatewayId}"]`);
    await gwRow.locator('td[data-col="sync"]', { hasText: 'In sync' }).waitFor({ timeout: 20_000 });
    const before = Number(await gwRow.locator('td[data-col="desired"]').textContent());

    await page.getByRole('link', { name: 'Alarm thresholds' }).click();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'New threshold' }) });
    await form.getByLabel('Scope').selectOption('department');
    await form.getByLabel('Metric').selectOption('heart_rate');
    await form.getByLabel('High limit').fill('125');
    await form.getByLabel('Priority').selectOption('medium');
    await form.getByLabel('Hysteresis').fill('2');
    await form.getByRole('button', { name: 'Create threshold' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Threshold created.' });
    await status.waitFor({ timeout: 10_000 });
    expect(await status.textContent()).toContain(`${t.gatewayId}=${before + 1}`);
    const rule = page.getByTestId('thresholds').locator('tr', { hasText: 'Intensive care' });
    await rule.filter({ hasText: '125' }).waitFor();
    // Edit it (PATCH with If-Match): a second version.
    await rule.getByRole('button', { name: 'Edit Heart rate medium (Intensive care)' }).click();
    const edit = page.getByRole('form', { name: 'Edit threshold Heart rate medium (Intensive care)' });
    await edit.getByLabel('High', { exact: true }).fill('128');
    await edit.getByRole('button', { name: 'Save' }).click();
    const saved = page.getByRole('status').filter({ hasText: 'Threshold saved.' });
    await saved.waitFor({ timeout: 10_000 });
    expect(await saved.textContent()).toContain(`${t.gatewayId}=${before + 2}`);
    await rule.filter({ hasText: '128' }).waitFor();
    await screenshot(page, 'cloud-admin-thresholds');

    await page.getByRole('link', { name: 'Device settings' }).click();
    const settings = page.locator('form', { has: page.getByRole('heading', { name: 'New device settings' }) });
    await settings.getByLabel('Device', { exact: true }).selectOption(t.deviceId);
    await settings.getByLabel('Sampling interval (ms)').fill('2000');
    await settings.getByRole('button', { name: 'Create settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Device settings created.' }).waitFor({ timeout: 10_000 });
    await page
      .getByTestId('device-settings')
      .locator('tr', { hasText: `device ${t.deviceId}` })
      .waitFor();
    await screenshot(page, 'cloud-admin-device-settings');
    const expected = before + 3;

    await page.getByRole('link', { name: 'Gateways' }).click();
    await gwRow.locator('td[data-col="desired"]', { hasText: String(expected) }).waitFor({ timeout: 10_000 });
    await gwRow.locator('td[data-col="reported"]', { hasText: `${expected} (applied)` }).waitFor({ timeout: 20_000 });
    await gwRow.locator('td[data-col="sync"]', { hasText: 'In sync' }).waitFor({ timeout: 10_000 });
    expect(gw.gateway.configSync.applier.current().version).toBe(expected);
    await screenshot(page, 'cloud-admin-gateways');
  });

  it('registers a gateway and shows its token once', async () => {
    await page.goto(`${web.url}/#/admin/gateways`);
    const id = `gw-web-${uniqueSuffix()}`.toLowerCase().slice(0, 40);
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Register a gateway' }) });
    await form.getByLabel('Gateway id').fill(id);
    await form.getByLabel('Name').fill('Web test gateway');
    await form.getByRole('button', { name: 'Register gateway' }).click();
    const box = page.getByTestId('gateway-token');
    await box.waitFor({ timeout: 10_000 });
    expect(await box.getByLabel('Token').inputValue()).toMatch(/^vgw_/);
    await page.getByTestId('config-status').locator(`tr[data-gateway="${id}"]`).waitFor({ timeout: 10_000 });
    await screenshot(page, 'cloud-admin-gateway-token');
    await box.getByRole('button', { name: 'I have stored it' }).click();
    expect(await box.count()).toBe(0);
  });

  it('discharges, admits and transfers patients', async () => {
    await page.goto(`${web.url}/#/admin/assignments`);
    const table = page.getByTestId('assignments');
    const grace = table.locator('tr', { hasText: 'Hopper, Grace' });
    await grace.waitFor({ timeout: 10_000 });
    await grace.getByRole('button', { name: 'Discharge Hopper, Grace' }).click();
    await page.getByRole('status').filter({ hasText: 'Hopper, Grace discharged from bed B.' }).waitFor({ timeout: 10_000 });
    await grace.waitFor({ state: 'detached', timeout: 10_000 });

    const admit = page.locator('form', { has: page.getByRole('heading', { name: 'Admit a patient to a bed' }) });
    // A wrapping <label> also names its select by the chosen option, and device ids are random
    // ("MON-bede8ffb-..." contains "bed"), so each field is found by the label's leading word.
    await admit.getByLabel(/^Patient/).selectOption(patient2);
    await admit.getByLabel(/^Bed/).selectOption({ label: 'B' });
    await admit.getByLabel(/^Monitor/).selectOption(t.device2Id);
    await admit.getByRole('button', { name: 'Admit' }).click();
    await page.getByRole('status').filter({ hasText: 'Hopper, Grace admitted to bed B.' }).waitFor({ timeout: 10_000 });
    await grace.locator('td', { hasText: /^B$/ }).waitFor({ timeout: 10_000 });

    await grace.getByLabel('New bed for Hopper, Grace').selectOption({ label: 'C' });
    await grace.getByRole('button', { name: 'Transfer' }).click();
    await page.getByRole('status').filter({ hasText: 'Hopper, Grace transferred to bed C.' }).waitFor({ timeout: 10_000 });
    await grace.locator('td', { hasText: /^C$/ }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'cloud-admin-assignments');
  });
});
