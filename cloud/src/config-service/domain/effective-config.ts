/**
 * The effective configuration of one gateway, from the rows that feed it: its department's beds, the device
 * assignments current at the build time (patient display names as the customer's policy allows), the alarm rules
 * after precedence, and each assigned device's settings. Pure and deterministic: the same inputs give the same
 * content in the same order, so "did the document change?" is a comparison of canonical JSON.
 *
 * Threshold precedence is per metric: patient > department > customer > catalog default (shared `effectiveBands`).
 * The document carries, per metric, the department's rules if the department has any, else the customer's (the
 * gateway falls back to the catalog defaults it ships with when neither has any), plus the rules of the patients
 * currently in the department's beds. The gateway gives a patient's rules precedence over the department level.
 */
import { createHash } from 'node:crypto';
import {
  PRIORITY_RANK,
  SCOPE_PRECEDENCE,
  type AlarmPriority,
  type BedAssignment,
  type DeviceSettings,
  type GatewayConfigDocument,
  type MetricCode,
  type PatientNamePolicy,
  type ThresholdRule,
  type ThresholdScope,
} from '@vitals/shared';

export interface ThresholdRow {
  readonly scope: 'customer' | 'department' | 'patient';
  readonly departmentId: string | null;
  readonly patientId: string | null;
  readonly metric: string;
  readonly low: number | null;
  readonly high: number | null;
  readonly priority: AlarmPriority;
  readonly hysteresis: number;
  readonly enabled: boolean;
}

export interface DeviceSettingsRow {
  readonly deviceId: string | null;
  readonly model: string | null;
  readonly samplingIntervalMs: number;
  readonly alarmsEnabled: boolean;
  readonly units: Readonly<Record<string, string>>;
}

export interface AssignmentRow {
  readonly bedId: string;
  readonly deviceId: string;
  readonly deviceModel: string;
  readonly patientId: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
}

export interface GatewayInputs {
  readonly gatewayId: string;
  readonly departmentId: string;
  readonly patientNamePolicy: PatientNamePolicy;
  readonly beds: ReadonlyArray<{ readonly id: string; readonly label: string }>;
  /** Assignments current at the build time, in the department's beds. */
  readonly assignments: readonly AssignmentRow[];
  /** Enabled or not, of the customer, the department and any patient (others are ignored). */
  readonly thresholds: readonly ThresholdRow[];
  /** The customer's device and model settings (others are ignored). */
  readonly deviceSettings: readonly DeviceSettingsRow[];
}

/** The document without its version and issue time: what decides whether a new version is due. */
export type ConfigContent = Omit<GatewayConfigDocument, 'version' | 'issuedAt'>;

export interface BuildResult {
  readonly content: ConfigContent;
  /** Facts of the inputs the document cannot express (they make the build fail). */
  readonly problems: readonly string[];
}

const MAX_DISPLAY_NAME = 128;

function initial(name: string | null): string | undefined {
  const first = name?.trim().codePointAt(0);
  return first === undefined ? undefined : `${String.fromCodePoint(first).toLocaleUpperCase('en')}.`;
}

/** A patient's name as the policy allows: `full` (given family), `initials` (`A. L.`), `none` (nothing). */
export function displayName(policy: PatientNamePolicy, given: string | null, family: string | null): string | undefined {
  if (policy === 'none') return undefined;
  const parts =
    policy === 'full'
      ? [given?.trim(), family?.trim()].filter((p): p is string => !!p)
      : [initial(given), initial(family)].filter((p): p is string => !!p);
  const name = parts.join(' ');
  return name === '' ? undefined : name.slice(0, MAX_DISPLAY_NAME);
}

const SCOPE_RANK = new Map<ThresholdScope, number>(SCOPE_PRECEDENCE.map((s, i) => [s, i]));

function toRule(r: ThresholdRow): ThresholdRule {
  return {
    metric: r.metric as MetricCode,
    ...(r.low === null ? {} : { low: r.low }),
    ...(r.high === null ? {} : { high: r.high }),
    priority: r.priority,
    hysteresis: r.hysteresis,
    scope: r.scope,
    ...(r.scope === 'patient' && r.patientId !== null ? { patientId: r.patientId } : {}),
  };
}

function compareRules(a: ThresholdRule, b: ThresholdRule): number {
  return (
    a.metric.localeCompare(b.metric) ||
    SCOPE_RANK.get(a.scope)! - SCOPE_RANK.get(b.scope)! ||
    (a.patientId ?? '').localeCompare(b.patientId ?? '') ||
    PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
    (a.low ?? -Infinity) - (b.low ?? -Infinity) ||
    (a.high ?? Infinity) - (b.high ?? Infinity)
  );
}

/** Department-level rules after precedence (department over customer, per metric) and the patients' rules. */
export function effectiveRules(
  i: Pick<GatewayInputs, 'departmentId' | 'thresholds'>,
  patientIds: ReadonlySet<string>,
): ThresholdRule[] {
  const enabled = i.thresholds.filter((t) => t.enabled);
  const department = enabled.filter((t) => t.scope === 'department' && t.departmentId === i.departmentId);
  const customer = enabled.filter((t) => t.scope === 'customer');
  const coveredByDepartment = new Set(department.map((t) => t.metric));
  const patient = enabled.filter((t) => t.scope === 'patient' && t.patientId !== null && patientIds.has(t.patientId));
  return [...department, ...customer.filter((t) => !coveredByDepartment.has(t.metric)), ...patient]
    .map(toRule)
    .sort(compareRules);
}

/** A device's own settings over its model's; none when neither exists (the device keeps its defaults). */
export function effectiveSettings(
  devices: ReadonlyArray<{ readonly deviceId: string; readonly model: string }>,
  rows: readonly DeviceSettingsRow[],
): DeviceSettings[] {
  const byDevice = new Map(rows.filter((r) => r.deviceId !== null).map((r) => [r.deviceId!, r]));
  const byModel = new Map(rows.filter((r) => r.model !== null).map((r) => [r.model!, r]));
  const out: DeviceSettings[] = [];
  for (const d of [...devices].sort((a, b) => a.deviceId.localeCompare(b.deviceId))) {
    const row = byDevice.get(d.deviceId) ?? byModel.get(d.model);
    if (!row) continue;
    const units = Object.keys(row.units).length > 0 ? { units: { ...row.units } } : {};
    out.push({ deviceId: d.deviceId, samplingIntervalMs: row.samplingIntervalMs, alarmsEnabled: row.alarmsEnabled, ...units });
  }
  return out;
}

export function buildEffectiveConfig(i: GatewayInputs): BuildResult {
  const problems: string[] = [];
  const byBed = new Map<string, AssignmentRow[]>();
  for (const a of i.assignments) byBed.set(a.bedId, [...(byBed.get(a.bedId) ?? []), a]);
  const beds: BedAssignment[] = [...i.beds]
    .sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id))
    .map((bed) => {
      const here = byBed.get(bed.id) ?? [];
      const patients = [...new Set(here.map((a) => a.patientId))];
      if (patients.length > 1) problems.push(`bed ${bed.label} has devices of ${patients.length} patients assigned at once`);
      const first = here[0];
      const name = first ? displayName(i.patientNamePolicy, first.givenName, first.familyName) : undefined;
      return {
        bedId: bed.id,
        label: bed.label,
        ...(first ? { patient: { id: first.patientId, ...(name === undefined ? {} : { displayName: name }) } } : {}),
        deviceIds: here.map((a) => a.deviceId).sort(),
      };
    });
  const inBeds = new Set(i.beds.map((b) => b.id));
  const assigned = i.assignments.filter((a) => inBeds.has(a.bedId));
  const patientIds = new Set(assigned.map((a) => a.patientId));
  return {
    content: {
      gatewayId: i.gatewayId,
      departmentId: i.departmentId,
      patientNamePolicy: i.patientNamePolicy,
      beds,
      thresholds: effectiveRules(i, patientIds),
      deviceSettings: effectiveSettings(
        assigned.map((a) => ({ deviceId: a.deviceId, model: a.deviceModel })),
        i.deviceSettings,
      ),
    },
    problems,
  };
}

/** JSON with object keys sorted at every depth (arrays keep their order): equal content, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256 (hex) of the canonical content. */
export function contentHash(content: ConfigContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The content of a stored document (its version and issue time removed). */
export function contentOf(doc: GatewayConfigDocument): ConfigContent {
  const { version: _v, issuedAt: _i, ...content } = doc;
  return content;
}

export function issueDocument(content: ConfigContent, version: number, issuedAtMs: number): GatewayConfigDocument {
  return { ...content, version, issuedAt: new Date(issuedAtMs).toISOString() };
}
