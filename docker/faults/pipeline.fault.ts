/**
 * The fault suite (`npm run test:faults`): the whole system on its own infrastructure with monitors streaming,
 * then in turn: the cloud ingest unreachable, the Kafka broker killed, PostgreSQL restarted, Kafka Connect
 * killed, the enricher and the analytics service killed with SIGKILL, the edge gateway killed with SIGKILL, and
 * a burst of malformed input on every ingress. After each, the pipeline is reconciled against what the
 * simulator recorded: nothing acknowledged may be lost or duplicated anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { cdcTopic, mllpFrame, TOPICS, waitFor } from '@vitals/shared';
import { startFaultSystem, type FaultSystem } from './support/fault-system.js';
import type { Reconciliation } from './support/reconcile.js';
import { expectClean as expectCleanOf, pause, resultTable, scenarioRunner, type ScenarioRow } from './support/scenarios.js';

const RATE = 2; // frames per second per monitor (each frame carries several metrics)
const FAULT_SECONDS = 8;
let system: FaultSystem;
const table: ScenarioRow[] = [];
const scenario = scenarioRunner(() => system, table, { rate: RATE });
const expectClean = (r: Reconciliation) => expectCleanOf(system, r);

beforeAll(async () => {
  system = await startFaultSystem({ devices: 6, framesPerSecondPerDevice: RATE, log: (m) => process.stderr.write(`${m}\n`) });
}, 600_000);

afterAll(async () => {
  process.stdout.write(resultTable(table));
  await system?.close();
}, 300_000);

describe('fault injection with monitors streaming', { timeout: 600_000 }, () => {
  it('baseline: no fault', async () => {
    expectClean(await scenario('none (baseline)', async () => undefined));
  });

  it('cloud ingest unreachable for a while (storage process killed, restarted)', async () => {
    expectClean(
      await scenario('cloud ingest unreachable', async () => {
        await system.services.storage.kill();
        await pause(FAULT_SECONDS * 1000);
        await system.services.storage.start();
      }),
    );
  });

  it('Kafka broker killed with SIGKILL and restarted', async () => {
    expectClean(await scenario('Kafka broker killed', () => system.crashKafka(FAULT_SECONDS * 1000)));
  });

  it('PostgreSQL restarted (immediate shutdown, like a crash)', async () => {
    expectClean(
      await scenario('PostgreSQL restarted', async () => {
        await system.pg.restart('immediate');
      }),
    );
  });

  it('Kafka Connect killed and restarted: CDC resumes without a gap', async () => {
    const mrn = `changed-while-connect-down-${Date.now()}`;
    let patientId = '';
    const r = await scenario('Kafka Connect killed', () =>
      system.crashConnect(async () => {
        const row = await system.db.query<{ id: string }>(
          `INSERT INTO patients (customer_id, mrn) VALUES ($1, $2) RETURNING id`,
          [system.customerId, mrn],
        );
        patientId = row.rows[0]!.id;
        await pause(FAULT_SECONDS * 1000);
      }),
    );
    expectClean(r);
    // The change made while Connect was down reaches Kafka once it is back.
    const kafka = new Kafka({ clientId: 'faults', brokers: [...system.brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `faults-cdc-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: cdcTopic('patients'), fromBeginning: true });
    let found = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString().includes(patientId)) found = true;
      },
    });
    await waitFor(() => found, { timeoutMs: 60_000, what: 'the change made while Connect was down' });
    await consumer.disconnect();
  });

  it('Kafka Connect down when the enricher starts: no CDC heartbeat ever seen, readings joined after their hold', async () => {
    expectClean(
      await scenario('Connect down when the enricher starts', () =>
        system.crashConnect(async () => {
          await system.services.enricher.kill();
          await system.services.enricher.start();
          // Readings keep coming: each waits its longest hold for a watermark that never comes, then is joined.
          await pause(FAULT_SECONDS * 1000);
        }),
      ),
    );
  });

  it('enricher killed with SIGKILL and restarted', async () => {
    expectClean(
      await scenario('enricher killed -9', async () => {
        await system.services.enricher.kill();
        await pause(2_000);
        await system.services.enricher.start();
      }),
    );
  });

  it('analytics killed with SIGKILL and restarted', async () => {
    expectClean(
      await scenario('analytics killed -9', async () => {
        await system.services.analytics.kill();
        await pause(2_000);
        await system.services.analytics.start();
      }),
    );
  });

  it('edge gateway killed with SIGKILL and restarted', async () => {
    expectClean(
      await scenario('edge gateway killed -9', async () => {
        await system.services.edge.kill();
        await pause(3_000);
        await system.services.edge.start();
      }),
    );
  });

  it('a burst of malformed input on every ingress costs nothing else', async () => {
    const r = await scenario('malformed burst', async () => {
      // MQTT: every malformed kind the simulator knows, from every monitor.
      for (const kind of [
        'bad-json',
        'wrong-types',
        'unknown-metric',
        'implausible-value',
        'future-timestamp',
        'missing-timestamp',
        'unit-mismatch',
        'oversized',
        'garbage',
      ] as const) {
        system.sim.fault({ type: 'malformed', kind });
      }
      // MLLP over TCP: garbage bytes and a broken HL7 message.
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(system.ports.edgeMllp, '127.0.0.1', () => {
          s.write(Buffer.concat([Buffer.from('garbage\x00\xff'), mllpFrame('MSH|^~\\&|broken'), mllpFrame('not hl7 at all')]));
          setTimeout(() => s.end(resolve), 500);
        });
        s.on('error', reject);
      });
      // The cloud ingest: garbage, wrong shapes, an oversized body.
      const url = `http://127.0.0.1:${system.ports.storage}/v1/readings:batch`;
      const auth = { authorization: `Bearer ${system.gatewayToken}` };
      for (const body of ['{', JSON.stringify({ nope: true }), JSON.stringify({ readings: [] })]) {
        const res = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
        expect([body, res.status]).toEqual([body, 400]);
      }
      // One bad reading in a batch: answered per reading, the batch itself is fine.
      const one = await fetch(url, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          readings: [{ readingId: 'not-a-uuid', deviceId: system.devices[0], metric: 'heart_rate', value: 'x' }],
        }),
      });
      expect([400, 200]).toContain(one.status);
      const big = await fetch(url, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)),
      });
      expect([400, 413]).toContain(big.status);
      // Kafka: garbage straight into raw-readings.
      const kafka = new Kafka({ clientId: 'faults', brokers: [...system.brokers], logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: TOPICS.rawReadings,
        messages: [
          { key: 'garbage', value: 'not a reading' },
          { key: null, value: '{"readingId":1}' },
        ],
      });
      await producer.disconnect();
    });
    expectClean(r);
    for (const s of Object.values(system.services)) expect(s.running, s.name).toBe(true);
  });
});
