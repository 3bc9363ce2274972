/**
 * PostgreSQL adapters of the dispatcher's routing and the reference data its messages name: the enabled receivers
 * of a customer (for one department or all of them, `alarm_receivers`, V9), and the patient (MRN, name as the
 * customer's name policy allows), bed and department of an alarm. Every query filters by customer.
 */
import type pg from 'pg';
import type { Clock } from '@vitals/shared';

export interface Receiver {
  readonly id: string;
  readonly customerId: string;
  /** null: every department of the customer. */
  readonly departmentId: string | null;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
}

/** The receivers an alarm of this customer and department goes to (pure). */
export function routeAlarm(receivers: readonly Receiver[], customerId: string, departmentId: string): Receiver[] {
  return receivers.filter((r) => r.customerId === customerId && (r.departmentId === null || r.departmentId === departmentId));
}

export interface ReceiverDirectory {
  /** Enabled receivers of a customer; read again after the refresh interval, the last good copy kept on failure. */
  forCustomer(customerId: string): Promise<readonly Receiver[]>;
}

export function createReceiverDirectory(pool: pg.Pool, o: { refreshMs: number; clock: Clock }): ReceiverDirectory {
  const cache = new Map<string, { at: number; receivers: readonly Receiver[] }>();
  return {
    async forCustomer(customerId) {
      const hit = cache.get(customerId);
      if (hit && o.clock.now() - hit.at < o.refreshMs) return hit.receivers;
      try {
        const { rows } = await pool.query<Record<string, unknown>>(
          `SELECT id, customer_id, department_id, name, host, port, receiving_application, receiving_facility
             FROM alarm_receivers WHERE customer_id = $1 AND enabled ORDER BY id`,
          [customerId],
        );
        const receivers = rows.map((r): Receiver => ({
          id: String(r.id),
          customerId: String(r.customer_id),
          departmentId: r.department_id === null ? null : String(r.department_id),
          name: String(r.name),
          host: String(r.host),
          port: Number(r.port),
          receivingApplication: String(r.receiving_application),
          receivingFacility: String(r.receiving_facility),
        }));
        cache.set(customerId, { at: o.clock.now(), receivers });
        return receivers;
      } catch (err) {
        if (hit) return hit.receivers;
        throw err;
      }
    },
  };
}

export interface AlarmContext {
  readonly mrn?: string;
  readonly familyName?: string;
  readonly givenName?: string;
  readonly bedLabel?: string;
  readonly departmentCode?: string;
  readonly facility?: string;
}

/** PID-5 as the customer's `patient_name_policy` allows: full, initials (`L.`, `A.`), none (pure). */
export function namesByPolicy(
  policy: string,
  family: string | null,
  given: string | null,
): { familyName?: string; givenName?: string } {
  const initial = (s: string | null) => (s && s.trim() !== '' ? `${s.trim()[0]!.toUpperCase()}.` : undefined);
  if (policy === 'full') return { ...(family ? { familyName: family } : {}), ...(given ? { givenName: given } : {}) };
  if (policy === 'initials') {
    const f = initial(family);
    const g = initial(given);
    return { ...(f ? { familyName: f } : {}), ...(g ? { givenName: g } : {}) };
  }
  return {};
}

/** Patient, bed and department of an alarm, scoped by its customer (cached: ids never change meaning). */
export function createContextLookup(
  pool: pg.Pool,
): (e: { customerId: string; patientId: string; bedId: string }) => Promise<AlarmContext> {
  const cache = new Map<string, AlarmContext>();
  return async (e) => {
    const key = `${e.customerId}|${e.patientId}|${e.bedId}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const { rows } = await pool.query<Record<string, string | null>>(
      `SELECT c.name AS customer_name, c.patient_name_policy, p.mrn, p.family_name, p.given_name, b.label, d.code
         FROM customers c
         LEFT JOIN patients p ON p.customer_id = c.id AND p.id = $2
         LEFT JOIN beds b ON b.customer_id = c.id AND b.id = $3
         LEFT JOIN departments d ON d.customer_id = c.id AND d.id = b.department_id
        WHERE c.id = $1`,
      [e.customerId, e.patientId, e.bedId],
    );
    const r = rows[0];
    const ctx: AlarmContext = r
      ? {
          ...(r.mrn ? { mrn: r.mrn } : {}),
          ...namesByPolicy(r.patient_name_policy ?? 'none', r.family_name ?? null, r.given_name ?? null),
          ...(r.label ? { bedLabel: r.label } : {}),
          ...(r.code ? { departmentCode: r.code } : {}),
          ...(r.customer_name ? { facility: r.customer_name } : {}),
        }
      : {};
    if (cache.size > 10_000) cache.clear();
    cache.set(key, ctx);
    return ctx;
  };
}
