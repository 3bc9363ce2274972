/**
 * End to end, on the whole system (its own PostgreSQL, Kafka and Kafka Connect; storage, enricher, analytics
 * and an edge gateway as separate processes; simulated monitors over MQTT):
 *  - sustained readings/s from the monitors' publish through edge -> ingest -> enricher -> analytics, offered
 *    above what the pipeline takes, measured until the last reading is counted in its 1-minute window;
 *  - p50/p99 latency from a monitor's publish to the window update on the analytics WebSocket, at ward load.
 * The raw limits of each part underneath are the other rows of the same `npm run bench` table.
 */
import { percentile, type Benchmark } from './harness.js';
import { startFaultSystem } from '../docker/faults/support/fault-system.js';
import { insertApiKey } from '../cloud/src/storage/reference/api-keys.js';
import { StreamClient } from '../cloud/test/support/analytics-world.js';
import { waitFor } from '@vitals/shared';

const DEVICES = 30;
const LOAD_SECONDS = 30;

const bench: Benchmark = async () => {
  const system = await startFaultSystem({ devices: DEVICES, framesPerSecondPerDevice: 0 });
  try {
    const counted = async () =>
      Number(
        (
          await system.db.query<{ n: string }>(
            `SELECT coalesce(sum(count), 0)::text AS n FROM window_aggregates WHERE query_id = 'patient-1m' AND customer_id = $1`,
            [system.customerId],
          )
        ).rows[0]!.n,
      );
    const inPg = async () =>
      Number(
        (
          await system.db.query<{ n: string }>('SELECT count(*)::text AS n FROM readings WHERE customer_id = $1', [
            system.customerId,
          ])
        ).rows[0]!.n,
      );

    // Throughput: offer more than the pipeline takes, then wait until every acknowledged reading is counted.
    const before = await counted();
    const t0 = Date.now();
    system.sim.setRate({ total: 3_000 });
    await new Promise((r) => setTimeout(r, LOAD_SECONDS * 1000));
    system.sim.setRate({ perDevice: 0 });
    await system.sim.whenIdle(120_000);
    const acked = system.sim.ledger.expectedReadings().length;
    const offeredSeconds = (Date.now() - t0) / 1000;
    await waitFor(async () => (await inPg()) >= acked && (await counted()) - before >= acked, {
      timeoutMs: 900_000,
      intervalMs: 500,
      what: 'the pipeline to count every reading',
    });
    const e2eSeconds = (Date.now() - t0) / 1000;

    // Latency: a monitor's publish -> the update of its window on the WebSocket, at 1 frame/s per monitor.
    const { token } = await insertApiKey(system.db, {
      role: 'customer-admin',
      customerId: system.customerId,
      gatewayId: null,
      name: 'bench',
      expiresAt: null,
      createdBy: 'bench',
    });
    const patientOf = new Map(
      (
        await system.db.query<{ device_id: string; patient_id: string }>(
          'SELECT device_id, patient_id FROM device_assignments WHERE customer_id = $1',
          [system.customerId],
        )
      ).rows.map((r) => [r.device_id, r.patient_id]),
    );
    const sentAt = new Map<string, number>();
    system.sim.ledger.onSettled((e) => {
      if (e.measuredAtMs !== null && e.kind === 'frame') sentAt.set(`${patientOf.get(e.deviceId)}|${e.measuredAtMs}`, e.sentAtMs);
    });
    const department = (
      await system.db.query<{ id: string }>('SELECT id FROM departments WHERE customer_id = $1', [system.customerId])
    ).rows[0]!.id;
    const client = await StreamClient.connect(`http://127.0.0.1:${system.ports.analytics}`, { token });
    client.send({ type: 'subscribe', id: 'ward', query: 'patient-1m', departmentId: department });
    const header = await client.next((m) => m.type === 'header');
    const columns = header.columns as string[];
    const [gi, li] = [columns.indexOf('groupId'), columns.indexOf('lastMeasuredAt')];
    const latencies: number[] = [];
    const measured = new Set<string>();
    client.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; row?: unknown[] };
      if (m.type !== 'row' || !m.row) return;
      const key = `${m.row[gi]}|${Date.parse(String(m.row[li]))}`;
      const s = sentAt.get(key);
      if (s !== undefined && !measured.has(key)) {
        measured.add(key);
        latencies.push(Date.now() - s);
      }
    });
    system.sim.setRate({ perDevice: 1 });
    await new Promise((r) => setTimeout(r, 30_000));
    system.sim.setRate({ perDevice: 0 });
    await client.close();

    return {
      component: 'end to end',
      figures: [
        {
          name: 'monitor publish -> edge -> ingest -> enricher -> analytics window, sustained',
          value: acked / e2eSeconds,
          unit: 'readings/s',
          baseline: { name: 'offered by the simulator (acknowledged by the edge)', value: acked / offeredSeconds },
          detail: `${acked} readings from ${DEVICES} monitors, every part a separate process on 2 cores`,
        },
        {
          name: 'monitor publish -> window update on the WebSocket, p50',
          value: percentile(latencies, 50),
          unit: 'ms',
          detail: `${DEVICES} monitors at 1 frame/s, ${latencies.length} samples`,
        },
        { name: 'monitor publish -> window update on the WebSocket, p99', value: percentile(latencies, 99), unit: 'ms' },
      ],
      notes: [
        'latency includes the edge forward linger, the ingest batch commit, the enricher and analytics commit intervals (each a few hundred ms at most) and the PostgreSQL NOTIFY to the WebSocket',
      ],
    };
  } finally {
    await system.close();
  }
};

export default bench;
