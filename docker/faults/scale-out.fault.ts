/**
 * Scale-out in practice: two enricher and two analytics instances (separate processes, one consumer group each)
 * against one Kafka, with monitors streaming. Each instance owns a share of the partitions, together all of
 * them, and the results reconcile exactly; then one instance of each is killed and the survivors take over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@vitals/shared';
import { startFaultSystem, type FaultSystem } from './support/fault-system.js';
import { clean, reconcileWhenSettled } from './support/reconcile.js';

const PARTITIONS = [0, 1, 2, 3, 4, 5];
let system: FaultSystem;

async function partitionsOf(service: string): Promise<number[]> {
  const res = await fetch(`http://127.0.0.1:${system.instancePorts[service]}/api/status`);
  const body = (await res.json()) as { partitions: Array<number | { partition: number }> };
  return body.partitions.map((p) => (typeof p === 'number' ? p : p.partition)).sort((a, b) => a - b);
}

async function shares(a: string, b: string): Promise<[number[], number[]]> {
  let pair: [number[], number[]] = [[], []];
  await waitFor(
    async () => {
      pair = [await partitionsOf(a), await partitionsOf(b)];
      return (
        pair[0].length > 0 && pair[1].length > 0 && [...pair[0], ...pair[1]].sort((x, y) => x - y).join() === PARTITIONS.join()
      );
    },
    { timeoutMs: 90_000, intervalMs: 500, what: `${a} and ${b} to share the partitions` },
  );
  return pair;
}

async function settled() {
  system.sim.setRate({ perDevice: 0 });
  await system.sim.whenIdle(60_000);
  return reconcileWhenSettled(
    { sim: system.sim, db: system.db, brokers: system.brokers, customerId: system.customerId, windowQuery: 'patient-1m' },
    180_000,
  );
}

beforeAll(async () => {
  system = await startFaultSystem({
    devices: 8,
    framesPerSecondPerDevice: 2,
    instances: 2,
    log: (m) => process.stderr.write(`${m}\n`),
  });
}, 600_000);

afterAll(async () => {
  await system?.close();
}, 300_000);

describe('two enrichers and two analytics instances on one Kafka', { timeout: 600_000 }, () => {
  it('share the partitions between them and produce exactly the results of one', async () => {
    const [e1, e2] = await shares('enricher', 'enricher-2');
    const [a1, a2] = await shares('analytics', 'analytics-2');
    process.stdout.write(`enricher partitions: ${e1} | ${e2}; analytics partitions: ${a1} | ${a2}\n`);
    system.sim.setRate({ perDevice: 2 });
    await new Promise((r) => setTimeout(r, 10_000));
    const r = await settled();
    expect(clean(r), JSON.stringify(r)).toBe(true);
    expect(r.sent).toBeGreaterThan(500);
  });

  it('survivors take over the partitions of a killed enricher and a killed analytics instance', async () => {
    system.sim.setRate({ perDevice: 2 });
    await system.services['enricher-2']!.kill();
    await system.services['analytics-2']!.kill();
    await waitFor(
      async () =>
        (await partitionsOf('enricher')).join() === PARTITIONS.join() &&
        (await partitionsOf('analytics')).join() === PARTITIONS.join(),
      {
        timeoutMs: 90_000,
        intervalMs: 500,
        what: 'the survivors to own every partition',
      },
    );
    await new Promise((r) => setTimeout(r, 5_000));
    const r = await settled();
    expect(clean(r), JSON.stringify(r)).toBe(true);
  });
});
