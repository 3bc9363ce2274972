/**
 * The rules a gateway configuration document must satisfy beyond its schema, shared by the cloud (which refuses
 * to issue a document that breaks them: 400, nothing published) and the gateway (which acknowledges such a
 * document `rejected` and keeps the version it runs). Pure.
 */
import { PRIORITY_RANK } from './metric-catalog.js';
import { GatewayConfigDocumentSchema, type GatewayConfigDocument, type ThresholdRule } from './config-document.js';
import { createValidator } from './validation.js';

const documentValidator = createValidator(GatewayConfigDocumentSchema);

/** Problems of one rule on its own: a limit at all, low below high, a hysteresis that lets an alarm clear. */
export function thresholdRuleProblems(rule: Omit<ThresholdRule, 'scope' | 'patientId'>): string[] {
  const out: string[] = [];
  const { low, high, hysteresis } = rule;
  if (low === undefined && high === undefined) out.push('needs a low or a high limit');
  if (low !== undefined && high !== undefined) {
    if (low >= high) out.push(`low ${low} must be below high ${high}`);
    else if (hysteresis >= high - low) {
      out.push(`hysteresis ${hysteresis} must be smaller than the band ${low}..${high} (an alarm could never clear inside it)`);
    }
  }
  return out;
}

/**
 * Problems of the bands of one metric at one scope (and patient): one band per priority, and a higher
 * priority's limits at or beyond a lower priority's on the same side (escalation bands nest).
 */
export function bandSetProblems(rules: readonly ThresholdRule[]): string[] {
  const out: string[] = [];
  const byRank = [...rules].sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority]);
  for (let i = 1; i < byRank.length; i++) {
    const lower = byRank[i - 1]!;
    const higher = byRank[i]!;
    if (lower.priority === higher.priority) {
      out.push(`two ${higher.priority}-priority bands`);
      continue;
    }
    if (lower.high !== undefined && higher.high !== undefined && higher.high < lower.high) {
      out.push(
        `${higher.priority}-priority high limit ${higher.high} is inside the ${lower.priority}-priority one ${lower.high}`,
      );
    }
    if (lower.low !== undefined && higher.low !== undefined && higher.low > lower.low) {
      out.push(`${higher.priority}-priority low limit ${higher.low} is inside the ${lower.priority}-priority one ${lower.low}`);
    }
  }
  return out;
}

function ruleLabel(r: ThresholdRule): string {
  return `${r.metric} ${r.scope}${r.patientId ? ` ${r.patientId}` : ''}`;
}

function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const twice = new Set<T>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

/** Every problem of a document: its schema first (then nothing else is checked), then the rules above. */
export function configDocumentProblems(doc: unknown, max = 20): string[] {
  const schema = documentValidator.problems(doc, max);
  if (schema.length > 0) return schema;
  const d = doc as GatewayConfigDocument;
  const out: string[] = [];
  const groups = new Map<string, ThresholdRule[]>();
  d.thresholds.forEach((r, i) => {
    for (const p of thresholdRuleProblems(r)) out.push(`/thresholds/${i} (${ruleLabel(r)}): ${p}`);
    if ((r.scope === 'patient') !== (r.patientId !== undefined)) {
      out.push(`/thresholds/${i} (${ruleLabel(r)}): a patientId is required for scope patient and only there`);
    }
    const key = ruleLabel(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  });
  for (const [key, rules] of groups) for (const p of bandSetProblems(rules)) out.push(`/thresholds (${key}): ${p}`);
  for (const id of duplicates(d.beds.map((b) => b.bedId))) out.push(`/beds: bed ${id} appears twice`);
  for (const id of duplicates(d.beds.flatMap((b) => b.deviceIds))) out.push(`/beds: device ${id} is in more than one bed`);
  const patients = d.beds.flatMap((b) => (b.patient ? [b.patient.id] : []));
  for (const id of duplicates(patients)) out.push(`/beds: patient ${id} is in more than one bed`);
  for (const id of duplicates(d.deviceSettings.map((s) => s.deviceId))) out.push(`/deviceSettings: device ${id} appears twice`);
  return out.slice(0, max);
}
