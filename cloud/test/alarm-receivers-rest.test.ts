/**
 * Alarm receivers as configuration-service settings: `/v1/alarm-receivers` creates, lists, changes (If-Match) and
 * removes them with audit records and the customer's scope, refuses what could not be sent in MSH or reached; and
 * the alarm dispatcher, pointed at the same database, sends an episode to the receivers configured through the API
 * (a department's and a customer-wide one), and to a re-pointed one after a PATCH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pino from 'pino';
import { waitFor } from '@vitals/shared';
import { createTopic, testStackConfig, uniqueSuffix } from '@vitals/stack/testing';
import { loadDispatcherConfig } from '../src/alarm-dispatcher/config.js';
import { startAlarmDispatcher, type RunningDispatcher } from '../src/alarm-dispatcher/service.js';
import { startConfigWorld, type ConfigWorld } from './config-support/world.js';
import type { Tenant } from './support/storage-fixture.js';
import { episode } from './support/alarm-world.js';
import { startAlarmReceiver, type AlarmReceiver } from './support/alarm-receiver.js';

let w: ConfigWorld;
let t: Tenant;
let other: Tenant;
let producer: Producer | undefined;
let dispatcher: RunningDispatcher | undefined;
let dropTopic: (() => Promise<void>) | undefined;
const receivers: AlarmReceiver[] = [];

beforeAll(async () => {
  w = await startConfigWorld();
  t = await w.tenant('alm-a');
  other = await w.tenant('alm-b');
});

afterAll(async () => {
  await dispatcher?.close();
  await producer?.disconnect();
  await dropTopic?.();
  for (const r of receivers) await r.close();
  await w?.close();
});

describe('/v1/alarm-receivers', () => {
  it('is audited and scoped by customer, and the dispatcher sends to what it holds', async () => {
    const [ward, everyone, moved] = await Promise.all([startAlarmReceiver(), startAlarmReceiver(), startAlarmReceiver()]);
    receivers.push(ward!, everyone!, moved!);
    const created = await w.call('POST', '/v1/alarm-receivers', {
      token: t.adminToken,
      body: {
        departmentId: t.departmentId,
        name: 'ICU nurse call',
        host: '127.0.0.1',
        port: ward!.port,
        receivingApplication: 'NC',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ customerId: t.customerId, departmentId: t.departmentId, enabled: true, version: 1 });
    const wide = await w.call('POST', '/v1/alarm-receivers', {
      token: t.adminToken,
      body: { name: 'alarm distribution', host: '127.0.0.1', port: everyone!.port },
    });
    expect([wide.status, wide.body.departmentId]).toEqual([201, null]);

    // Refused: a host that is not one, an MSH value with HL7 delimiters, another customer's department, a clinician.
    const refused = await Promise.all([
      w.call('POST', '/v1/alarm-receivers', { token: t.adminToken, body: { name: 'x', host: 'two words', port: 1 } }),
      w.call('POST', '/v1/alarm-receivers', {
        token: t.adminToken,
        body: { name: 'x', host: 'h', port: 1, receivingFacility: 'A|B' },
      }),
      w.call('POST', '/v1/alarm-receivers', {
        token: t.adminToken,
        body: { name: 'x', host: 'h', port: 1, departmentId: other.departmentId },
      }),
      w.call('POST', '/v1/alarm-receivers', { token: t.clinicianToken, body: { name: 'x', host: 'h', port: 1 } }),
    ]);
    expect([refused[0]!.status, refused[1]!.status, refused[3]!.status]).toEqual([400, 400, 403]);
    // The department belongs to another customer: the (customer, department) foreign key refuses it.
    expect(refused[2]!.status >= 400 && refused[2]!.status < 500, `status ${refused[2]!.status}`).toBe(true);

    const listed = await w.call('GET', `/v1/alarm-receivers?departmentId=${t.departmentId}`, { token: t.clinicianToken });
    expect(listed.body.items.map((i: { name: string }) => i.name)).toEqual(['ICU nurse call']);
    expect((await w.call('GET', '/v1/alarm-receivers', { token: other.adminToken })).body.items).toEqual([]);

    // The dispatcher on the same database and a private alerts topic.
    const brokers = testStackConfig().kafkaBrokers;
    const topic = `alarm-rest-test-${uniqueSuffix()}`;
    dropTopic = await createTopic(brokers, topic, 1);
    producer = new Kafka({ clientId: 'alarm-rest-test', brokers: [...brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    dispatcher = await startAlarmDispatcher(
      loadDispatcherConfig({
        DATABASE_URL: w.storage.databaseUrl,
        KAFKA_BROKERS: brokers.join(','),
        DISPATCHER_PORT: '0',
        DISPATCHER_INPUT_TOPIC: topic,
        DISPATCHER_GROUP_ID: topic,
        DISPATCHER_FROM_BEGINNING: 'true',
        DISPATCHER_RECEIVERS_REFRESH: '0',
        DISPATCHER_ESCALATION_DELAY: '0',
      }),
      { log: pino({ level: 'silent' }) },
    );
    const send = (events: ReturnType<typeof episode>) =>
      producer!.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.patientId, value: JSON.stringify(e) })) });
    const tenantIds = { customerId: t.customerId, departmentId: t.departmentId, bedId: t.bedA, patientId: t.patientId };
    await send(
      episode(tenantIds, [
        { kind: 'raise', priority: 'medium', value: 125 },
        { kind: 'clear', priority: 'medium', value: 80 },
      ]),
    );
    await waitFor(() => ward!.accepted.length === 2 && everyone!.accepted.length === 2, {
      timeoutMs: 60_000,
      what: 'both receivers to get start and end',
    });
    expect(ward!.accepted.map((r) => r.phase)).toEqual(['start', 'end']);
    expect(ward!.arrivals[0]!.raw.split('\r')[0]).toContain('|NC||');
    expect(ward!.accepted[0]!.patientIds).toEqual([t.mrn, t.patientId]);

    // Re-pointed with If-Match (a stale one is 412): the next alarm goes to the new address.
    const stale = await w.call('PATCH', `/v1/alarm-receivers/${created.body.id}`, {
      token: t.adminToken,
      headers: { 'if-match': '"7"' },
      body: { port: moved!.port },
    });
    expect(stale.status).toBe(412);
    const patched = await w.call('PATCH', `/v1/alarm-receivers/${created.body.id}`, {
      token: t.adminToken,
      headers: { 'if-match': '"1"' },
      body: { port: moved!.port },
    });
    expect([patched.status, patched.body.version]).toEqual([200, 2]);
    await send(episode(tenantIds, [{ kind: 'raise', priority: 'low', value: 121 }]));
    await waitFor(() => moved!.accepted.length === 1 && everyone!.accepted.length === 3, {
      timeoutMs: 60_000,
      what: 'the re-pointed receiver to get the next alarm',
    });
    expect(ward!.arrivals).toHaveLength(2);

    const deleted = await w.call('DELETE', `/v1/alarm-receivers/${created.body.id}`, { token: t.adminToken });
    expect(deleted.status).toBe(204);
    const audit = await w.storage.call('GET', `/v1/audit-log?entity=alarm%20receiver&entityId=${created.body.id}`, {
      token: t.adminToken,
    });
    expect(audit.body.items.map((e: { action: string }) => e.action).reverse()).toEqual(['create', 'update', 'delete']);
  }, 180_000);
});
