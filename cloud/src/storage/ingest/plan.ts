/**
 * Ingest, step one (pure): each reading of a batch checked on its own. Structure (the shared Reading contract,
 * metric aside), then the catalog (`checkReading`: known metric, unit, plausible value, sane timestamps), then
 * repeats of one id inside the batch. The result keeps the request order; later steps add the device registry
 * and the database's answer (outcomes.ts).
 */
import { checkReading, type Reading, type ReadingCheckLimits, type RejectReason } from '@vitals/shared';
import { incomingReading } from './incoming.js';

export interface Rejection {
  readonly reason: RejectReason;
  readonly detail: string;
}

export interface PlannedEntry {
  /** The id as sent ('' when absent or not a string); the response echoes it. */
  readonly readingId: string;
  /** The normalised reading (canonical unit and value, UTC timestamps); absent when rejected early. */
  readonly reading?: Reading;
  readonly rejection?: Rejection;
  /** Index of an earlier entry of the batch with the same id and content. */
  readonly repeatOf?: number;
}

export interface PlanContext {
  readonly nowMs: number;
  readonly limits: ReadingCheckLimits;
  /** The authenticated gateway; recorded on every reading whatever the body says. */
  readonly gatewayId: string | null;
}

function idOf(raw: unknown): string {
  const id = (raw as { readingId?: unknown } | null)?.readingId;
  return typeof id === 'string' ? id.slice(0, 64) : '';
}

export function planReading(raw: unknown, ctx: PlanContext): PlannedEntry {
  const readingId = idOf(raw);
  if (!incomingReading.check(raw)) {
    return { readingId, rejection: { reason: 'MALFORMED', detail: incomingReading.problems(raw, 3).join('; ') } };
  }
  const check = checkReading(raw, ctx.nowMs, ctx.limits);
  if (!check.ok) return { readingId, rejection: { reason: check.reason, detail: check.detail } };
  const reading: Reading = {
    readingId: raw.readingId.toLowerCase(),
    deviceId: raw.deviceId,
    deviceSeq: raw.deviceSeq,
    metric: check.metric,
    value: check.value,
    unit: check.unit,
    measuredAt: new Date(check.measuredAtMs).toISOString(),
    receivedAt: new Date(Date.parse(raw.receivedAt)).toISOString(),
    ...(ctx.gatewayId !== null ? { gatewayId: ctx.gatewayId } : {}),
    ...(raw.historical !== undefined ? { historical: raw.historical } : {}),
  };
  return { readingId, reading };
}

/** Same measurement: what a retry must repeat exactly. */
export function sameMeasurement(a: Reading, b: Reading): boolean {
  return a.deviceId === b.deviceId && a.metric === b.metric && a.value === b.value && a.measuredAt === b.measuredAt;
}

export function planBatch(raws: readonly unknown[], ctx: PlanContext): PlannedEntry[] {
  const firstById = new Map<string, number>();
  const entries: PlannedEntry[] = [];
  for (const raw of raws) {
    const entry = planReading(raw, ctx);
    const reading = entry.reading;
    if (!reading) {
      entries.push(entry);
      continue;
    }
    const first = firstById.get(reading.readingId);
    if (first === undefined) {
      firstById.set(reading.readingId, entries.length);
      entries.push(entry);
    } else if (sameMeasurement(entries[first]!.reading!, reading)) {
      entries.push({ ...entry, repeatOf: first });
    } else {
      entries.push({
        readingId: entry.readingId,
        rejection: { reason: 'CONFLICTING_DUPLICATE', detail: 'the batch uses this readingId for two different readings' },
      });
    }
  }
  return entries;
}

export type DeviceState = 'active' | 'deleted';

/** Rejects readings of devices that are not registered to the caller's customer (or were decommissioned). */
export function applyDevices(entries: readonly PlannedEntry[], devices: ReadonlyMap<string, DeviceState>): PlannedEntry[] {
  return entries.map((e) => {
    if (!e.reading || e.rejection || e.repeatOf !== undefined) return e;
    const state = devices.get(e.reading.deviceId);
    if (state === 'active') return e;
    const rejection: Rejection =
      state === 'deleted'
        ? { reason: 'DEVICE_NOT_AUTHORISED', detail: `device ${e.reading.deviceId} is decommissioned` }
        : { reason: 'UNKNOWN_DEVICE', detail: `device ${e.reading.deviceId} is not registered to this customer` };
    return { readingId: e.readingId, rejection };
  });
}

/** The readings to insert: valid, not repeats. */
export function candidatesOf(entries: readonly PlannedEntry[]): Reading[] {
  return entries.filter((e) => e.reading && !e.rejection && e.repeatOf === undefined).map((e) => e.reading!);
}

/** Distinct device ids of the readings still in play. */
export function deviceIdsOf(entries: readonly PlannedEntry[]): string[] {
  return [...new Set(candidatesOf(entries).map((r) => r.deviceId))];
}
