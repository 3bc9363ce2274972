/**
 * The fault suite on the Flink engine (part of `npm run test:faults`): the whole system on its own
 * infrastructure, with the enricher and analytics as Flink SQL jobs on the local stack's session cluster, monitors
 * streaming; then the Flink TaskManager is killed with SIGKILL mid-stream and started again. The jobs restore
 * from their latest checkpoints; reconciled against what the simulator recorded, every acknowledged reading is
 * stored, enriched and counted in its window once.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startFaultSystem, type FaultSystem } from './support/fault-system.js';
import type { Reconciliation } from './support/reconcile.js';
import { expectClean as expectCleanOf, resultTable, scenarioRunner, type ScenarioRow } from './support/scenarios.js';

const RATE = 2;
let system: FaultSystem;
const table: ScenarioRow[] = [];
// Flink's output is visible at each checkpoint (5 s) and each job waits for its watermarks: settling takes longer.
const scenario = scenarioRunner(() => system, table, { rate: RATE, settleMs: 240_000 });
const expectClean = (r: Reconciliation) => expectCleanOf(system, r);

beforeAll(async () => {
  system = await startFaultSystem({
    devices: 4,
    framesPerSecondPerDevice: RATE,
    engine: 'flink',
    log: (m) => process.stderr.write(`${m}\n`),
  });
}, 600_000);

afterAll(async () => {
  process.stdout.write(resultTable(table));
  await system?.close();
}, 300_000);

describe('fault injection on the Flink engine with monitors streaming', { timeout: 600_000 }, () => {
  it('baseline on Flink: no fault', async () => {
    expectClean(await scenario('Flink: none (baseline)', async () => undefined));
  });

  it('Flink TaskManager killed with SIGKILL and restarted: the jobs restore from their checkpoints', async () => {
    expectClean(await scenario('Flink TaskManager killed -9', () => system.crashTaskManager()));
  });
});
