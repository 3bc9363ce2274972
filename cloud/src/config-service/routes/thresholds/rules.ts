/**
 * Checks of an alarm rule as the API receives it (pure): the scope names exactly the target it needs, and the
 * limits make sense (shared `thresholdRuleProblems`). And the change scope of a rule: which gateways it feeds.
 */
import { thresholdRuleProblems, type AlarmPriority, type MetricCode } from '@vitals/shared';
import { emptyScope, mergeScopes, type ChangeScope } from '../../domain/input-change.js';
import type { Row } from '../../../storage/reference/resource.js';

export interface RuleFields {
  readonly scope: 'customer' | 'department' | 'patient';
  readonly departmentId: string | null;
  readonly patientId: string | null;
  readonly metric: string;
  readonly low: number | null;
  readonly high: number | null;
  readonly priority: AlarmPriority;
  readonly hysteresis: number;
}

export function ruleProblems(r: RuleFields): string[] {
  const out: string[] = [];
  if (r.scope === 'department' && (r.departmentId === null || r.patientId !== null)) {
    out.push('scope department needs a departmentId and no patientId');
  }
  if (r.scope === 'patient' && (r.patientId === null || r.departmentId !== null)) {
    out.push('scope patient needs a patientId and no departmentId');
  }
  if (r.scope === 'customer' && (r.departmentId !== null || r.patientId !== null)) {
    out.push('scope customer takes neither departmentId nor patientId');
  }
  out.push(
    ...thresholdRuleProblems({
      metric: r.metric as MetricCode,
      priority: r.priority,
      hysteresis: r.hysteresis,
      ...(r.low === null ? {} : { low: r.low }),
      ...(r.high === null ? {} : { high: r.high }),
    }),
  );
  return out;
}

export function ruleOfRow(row: Row): RuleFields {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    scope: row.scope as RuleFields['scope'],
    departmentId: (row.department_id as string | null) ?? null,
    patientId: (row.patient_id as string | null) ?? null,
    metric: String(row.metric),
    low: n(row.low),
    high: n(row.high),
    priority: row.priority as AlarmPriority,
    hysteresis: Number(row.hysteresis),
  };
}

/** The gateways a rule feeds: all of the customer's, a department's, or those where the patient lies. */
export function scopeOfRule(customerId: string, ...rules: RuleFields[]): ChangeScope {
  return rules.reduce<ChangeScope>((acc, r) => {
    const s = emptyScope(customerId);
    const one: ChangeScope =
      r.scope === 'customer'
        ? { ...s, all: true }
        : r.scope === 'department'
          ? { ...s, departmentIds: [r.departmentId!] }
          : { ...s, patientIds: [r.patientId!] };
    return mergeScopes(acc, one);
  }, emptyScope(customerId));
}
