/**
 * The active alerts of every customer, folded from the `alerts` topic's lifecycle events (raise, escalate,
 * de-escalate, clear): one entry per alert episode until it clears. Pure: events in, state out. Events of one
 * patient arrive in order (the topic is keyed by patient id), which is all the fold needs.
 */
import type { AlertEvent } from '@vitals/shared';

export interface ActiveAlert {
  readonly alertId: string;
  readonly category: AlertEvent['category'];
  readonly customerId: string;
  readonly patientId: string;
  readonly departmentId: string;
  readonly bedId: string;
  readonly deviceId: string;
  readonly metric: string | null;
  readonly condition: string;
  readonly priority: AlertEvent['priority'];
  readonly value: number | null;
  /** When the episode was raised. */
  readonly since: string;
  /** The last event of the episode. */
  readonly updatedAt: string;
  readonly lastKind: AlertEvent['kind'];
}

export class ActiveAlerts {
  private readonly byId = new Map<string, ActiveAlert>();

  apply(e: AlertEvent): void {
    if (e.kind === 'clear') {
      this.byId.delete(e.alertId);
      return;
    }
    const prev = this.byId.get(e.alertId);
    this.byId.set(e.alertId, {
      alertId: e.alertId,
      category: e.category,
      customerId: e.customerId,
      patientId: e.patientId,
      departmentId: e.departmentId,
      bedId: e.bedId,
      deviceId: e.deviceId,
      metric: e.metric ?? null,
      condition: e.condition,
      priority: e.priority,
      value: e.value ?? prev?.value ?? null,
      since: prev?.since ?? e.at,
      updatedAt: e.at,
      lastKind: e.kind,
    });
  }

  /** Active alerts of a customer (all customers: null), optionally of one department or patient; highest priority, then oldest, first. */
  list(f: { customerId: string | null; departmentId?: string; patientId?: string }): ActiveAlert[] {
    const rank = { high: 3, medium: 2, low: 1 } as const;
    return [...this.byId.values()]
      .filter(
        (a) =>
          (f.customerId === null || a.customerId === f.customerId) &&
          (f.departmentId === undefined || a.departmentId === f.departmentId) &&
          (f.patientId === undefined || a.patientId === f.patientId),
      )
      .sort(
        (a, b) => rank[b.priority] - rank[a.priority] || a.since.localeCompare(b.since) || a.alertId.localeCompare(b.alertId),
      );
  }

  get size(): number {
    return this.byId.size;
  }
}
