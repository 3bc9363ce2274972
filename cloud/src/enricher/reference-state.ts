/**
 * The enricher's reference state, rebuilt from the Debezium topics: customers, departments, beds, patients,
 * devices, device assignments (with their own validity intervals) and alarm rules (versioned by the commit
 * time Debezium reports, so a rule change applies to readings measured after it committed). Applying the same
 * events again changes nothing. A row that does not match its table's schema (reference-rows.ts) is refused with
 * a problem. Pure: no I/O, time comes in as arguments.
 */
import {
  effectiveBands,
  isMetricCode,
  type AlarmPriority,
  type ChangeEvent,
  type MetricCode,
  type ThresholdBand,
  type CdcTable,
} from '@vitals/shared';
import { rowProblem } from './reference-rows.js';

export interface CustomerRow {
  id: string;
  name: string;
  patient_name_policy?: string;
}
export interface DepartmentRow {
  id: string;
  customer_id: string;
  name: string;
  code?: string;
}
export interface BedRow {
  id: string;
  customer_id: string;
  department_id: string;
  label: string;
}
export interface PatientRow {
  id: string;
  customer_id: string;
  deleted_at?: string | null;
}
export interface DeviceRow {
  id: string;
  customer_id: string;
  model?: string;
  deleted_at?: string | null;
}
export interface AssignmentRow {
  id: string;
  customer_id: string;
  device_id: string;
  patient_id: string;
  bed_id: string;
  valid_from: string;
  valid_to: string | null;
}
export interface ThresholdRow {
  id: string;
  customer_id: string;
  scope: 'customer' | 'department' | 'patient';
  department_id: string | null;
  patient_id: string | null;
  metric: string;
  low: number | string | null;
  high: number | string | null;
  priority: AlarmPriority;
  hysteresis: number | string;
  enabled: boolean;
}

export interface Assignment {
  readonly id: string;
  readonly customerId: string;
  readonly deviceId: string;
  readonly patientId: string;
  readonly bedId: string;
  readonly validFrom: number;
  /** Exclusive end; Infinity while open. */
  readonly validTo: number;
}

interface RuleVersion {
  /** From when this version applies (commit time); -Infinity for snapshot reads (their history is unknown). */
  readonly from: number;
  readonly row: ThresholdRow | null;
}

function toNumber(v: number | string | null | undefined): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function toAssignment(row: AssignmentRow): Assignment | undefined {
  const from = Date.parse(row.valid_from);
  const to = row.valid_to === null || row.valid_to === undefined ? Number.POSITIVE_INFINITY : Date.parse(row.valid_to);
  if (!row.id || !row.device_id || Number.isNaN(from) || Number.isNaN(to)) return undefined;
  return {
    id: row.id,
    customerId: row.customer_id,
    deviceId: row.device_id,
    patientId: row.patient_id,
    bedId: row.bed_id,
    validFrom: from,
    validTo: to,
  };
}

export interface ApplyResult {
  readonly applied: boolean;
  /** Why an event was not applied (malformed or unknown table). */
  readonly problem?: string;
}

export class ReferenceState {
  private readonly customers = new Map<string, CustomerRow>();
  private readonly departments = new Map<string, DepartmentRow>();
  private readonly beds = new Map<string, BedRow>();
  private readonly patients = new Map<string, PatientRow>();
  private readonly devices = new Map<string, DeviceRow>();
  private readonly assignments = new Map<string, Assignment>();
  private readonly assignmentsByDevice = new Map<string, Set<string>>();
  private readonly rules = new Map<string, RuleVersion[]>();
  private readonly rulesByCustomer = new Map<string, Set<string>>();
  /** Bumped on every applied change: lets callers retry held readings only when something changed. */
  private revisionCounter = 0;

  get revision(): number {
    return this.revisionCounter;
  }

  apply(table: CdcTable | string, event: ChangeEvent<Record<string, unknown>>): ApplyResult {
    if (event.kind === 'malformed') return { applied: false, problem: event.reason };
    if (event.kind === 'ignored' || event.kind === 'tombstone') return { applied: false };
    const id = String((event.kind === 'upsert' ? event.row.id : (event.before?.id ?? event.key.id)) ?? '');
    if (!id) return { applied: false, problem: 'event without an id' };
    const row = event.kind === 'upsert' ? event.row : null;
    // A row that does not match its table's shape is refused; the state keeps what it had for that id.
    const problem = row === null ? undefined : rowProblem(table, row);
    if (problem) return { applied: false, problem };
    this.revisionCounter++;
    switch (table) {
      case 'customers':
        return this.put(this.customers, id, row as CustomerRow | null);
      case 'departments':
        return this.put(this.departments, id, row as DepartmentRow | null);
      case 'beds':
        return this.put(this.beds, id, row as BedRow | null);
      case 'patients':
        return this.put(this.patients, id, row as PatientRow | null);
      case 'devices':
        return this.put(this.devices, id, row as DeviceRow | null);
      case 'device_assignments':
        return this.putAssignment(id, row as AssignmentRow | null);
      case 'alert_thresholds': {
        const from = event.kind === 'upsert' && event.op === 'r' ? Number.NEGATIVE_INFINITY : event.committedAtMs;
        return this.putRuleVersion(id, from, row as ThresholdRow | null);
      }
      default:
        this.revisionCounter--;
        return { applied: false, problem: `table ${table} is not reference data of the enricher` };
    }
  }

  private put<T>(map: Map<string, T>, id: string, row: T | null): ApplyResult {
    if (row) map.set(id, row);
    else map.delete(id);
    return { applied: true };
  }

  private putAssignment(id: string, row: AssignmentRow | null): ApplyResult {
    const old = this.assignments.get(id);
    if (old) this.assignmentsByDevice.get(old.deviceId)?.delete(id);
    if (!row) {
      this.assignments.delete(id);
      return { applied: true };
    }
    const a = toAssignment(row);
    if (!a) {
      this.assignments.delete(id);
      return { applied: false, problem: `assignment ${id} has no valid interval` };
    }
    this.assignments.set(id, a);
    let set = this.assignmentsByDevice.get(a.deviceId);
    if (!set) this.assignmentsByDevice.set(a.deviceId, (set = new Set()));
    set.add(id);
    return { applied: true };
  }

  private putRuleVersion(id: string, from: number, row: ThresholdRow | null): ApplyResult {
    let versions = this.rules.get(id);
    if (!versions) this.rules.set(id, (versions = []));
    const i = versions.findIndex((v) => v.from === from);
    if (i >= 0) versions[i] = { from, row };
    else {
      versions.push({ from, row });
      versions.sort((a, b) => a.from - b.from);
    }
    const customerId = row?.customer_id ?? versions.find((v) => v.row)?.row?.customer_id;
    if (customerId) {
      let set = this.rulesByCustomer.get(customerId);
      if (!set) this.rulesByCustomer.set(customerId, (set = new Set()));
      set.add(id);
    }
    return { applied: true };
  }

  device(id: string): DeviceRow | undefined {
    return this.devices.get(id);
  }
  patient(id: string): PatientRow | undefined {
    return this.patients.get(id);
  }
  bed(id: string): BedRow | undefined {
    return this.beds.get(id);
  }
  department(id: string): DepartmentRow | undefined {
    return this.departments.get(id);
  }
  customer(id: string): CustomerRow | undefined {
    return this.customers.get(id);
  }

  /** The assignment of `deviceId` whose validity contains `t` (valid_from <= t < valid_to). */
  assignmentAt(deviceId: string, t: number): Assignment | undefined {
    const ids = this.assignmentsByDevice.get(deviceId);
    if (!ids) return undefined;
    for (const id of ids) {
      const a = this.assignments.get(id);
      if (a && a.validFrom <= t && t < a.validTo) return a;
    }
    return undefined;
  }

  /** Assignments open at `t` (for device-silence checks). */
  *openAssignments(t: number): Iterable<Assignment> {
    for (const a of this.assignments.values()) if (a.validFrom <= t && t < a.validTo) yield a;
  }

  /** The alarm bands in force at time `t` for a metric of a patient in a department of a customer. */
  bandsAt(metric: MetricCode, ctx: { customerId: string; departmentId: string; patientId: string }, t: number): ThresholdBand[] {
    const candidates: ThresholdBand[] = [];
    for (const id of this.rulesByCustomer.get(ctx.customerId) ?? []) {
      const versions = this.rules.get(id);
      if (!versions) continue;
      let row: ThresholdRow | null = null;
      for (const v of versions) {
        if (v.from <= t) row = v.row;
        else break;
      }
      if (!row || !row.enabled || row.metric !== metric || !isMetricCode(row.metric)) continue;
      const applies =
        (row.scope === 'customer' && row.customer_id === ctx.customerId) ||
        (row.scope === 'department' && row.department_id === ctx.departmentId) ||
        (row.scope === 'patient' && row.patient_id === ctx.patientId);
      if (!applies) continue;
      candidates.push({
        metric,
        low: toNumber(row.low),
        high: toNumber(row.high),
        priority: row.priority,
        hysteresis: toNumber(row.hysteresis) ?? 0,
        scope: row.scope,
      });
    }
    return effectiveBands(metric, candidates);
  }

  /**
   * Forgets what no reading can need any more: assignments that ended before `horizon`, and rule versions
   * superseded before it (the one in force at the horizon stays).
   */
  prune(horizon: number): { assignments: number; ruleVersions: number } {
    let assignments = 0;
    let ruleVersions = 0;
    for (const [id, a] of this.assignments) {
      if (a.validTo < horizon) {
        this.assignments.delete(id);
        this.assignmentsByDevice.get(a.deviceId)?.delete(id);
        assignments++;
      }
    }
    for (const [id, versions] of this.rules) {
      let keepFrom = 0;
      for (let i = 0; i < versions.length; i++) if (versions[i]!.from <= horizon) keepFrom = i;
      if (keepFrom > 0) {
        versions.splice(0, keepFrom);
        ruleVersions += keepFrom;
      }
      if (versions.length === 1 && versions[0]!.row === null && versions[0]!.from <= horizon) this.rules.delete(id);
    }
    return { assignments, ruleVersions };
  }

  get sizes(): Record<string, number> {
    return {
      customers: this.customers.size,
      departments: this.departments.size,
      beds: this.beds.size,
      patients: this.patients.size,
      devices: this.devices.size,
      assignments: this.assignments.size,
      rules: this.rules.size,
    };
  }
}
