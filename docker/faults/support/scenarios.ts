/**
 * How a fault scenario runs and is judged, for every fault file: monitors stream, the fault is applied, they
 * stream on, then pause; the pipeline is reconciled against what the simulator recorded, and nothing
 * acknowledged may be lost or duplicated, no window may differ, and no service may have died of the fault.
 */
import { expect } from 'vitest';
import type { FaultSystem } from './fault-system.js';
import { clean, reconcileWhenSettled, type Reconciliation } from './reconcile.js';

export interface ScenarioRow {
  readonly fault: string;
  readonly r: Reconciliation;
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A runner of scenarios on the system `get` returns (started in beforeAll), recording each in `table`. */
export function scenarioRunner(
  get: () => FaultSystem,
  table: ScenarioRow[],
  o: { readonly rate: number; readonly settleMs?: number },
): (fault: string, inject: () => Promise<void>) => Promise<Reconciliation> {
  return async (fault, inject) => {
    const system = get();
    system.sim.setRate({ perDevice: o.rate });
    await pause(3_000);
    await inject();
    await pause(3_000);
    system.sim.setRate({ perDevice: 0 });
    await system.sim.whenIdle(60_000);
    const r = await reconcileWhenSettled(
      { sim: system.sim, db: system.db, brokers: system.brokers, customerId: system.customerId, windowQuery: 'patient-1m' },
      o.settleMs ?? 180_000,
    );
    table.push({ fault, r });
    const down = Object.values(system.services).filter((s) => !s.running);
    if (!clean(r) || down.length) {
      const tails = Object.values(system.services).map((s) => `--- ${s.name}\n${s.tail(15)}`);
      console.error(`${fault}: ${JSON.stringify(r)}\n${tails.join('\n')}`);
    }
    return r;
  };
}

export function expectClean(system: FaultSystem, r: Reconciliation): void {
  // No service may have died of the fault (a crash is a defect even when nothing was lost).
  expect(
    Object.values(system.services)
      .filter((s) => !s.running)
      .map((s) => s.name),
  ).toEqual([]);
  expect({
    lost: r.lostInPostgres + r.lostDownstream,
    duplicates: r.duplicatesInPostgres + r.duplicatesDownstream,
    windowMismatches: r.windowMismatches,
  }).toEqual({
    lost: 0,
    duplicates: 0,
    windowMismatches: 0,
  });
  expect(r.sent).toBeGreaterThan(0);
}

/** The scenarios' results as a Markdown table (printed at the end of a fault file). */
export function resultTable(table: readonly ScenarioRow[]): string {
  const rows = table.map(
    ({ fault, r }) =>
      `| ${fault} | ${r.sent} | ${r.inPostgres} | ${r.lostInPostgres + r.lostDownstream} | ${r.duplicatesInPostgres + r.duplicatesDownstream} | ${r.deadLettered} | ${r.late} | ${r.windowsChecked} | ${r.windowMismatches} |`,
  );
  return `\n| fault | readings sent (cumulative) | in PostgreSQL | lost | duplicates | dead-lettered | late | windows checked | window mismatches |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n\n`;
}
