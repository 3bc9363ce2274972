/**
 * Committed window changes to the subscriptions that want them: a patient subscription gets its patient's
 * rows of its query; a department subscription gets the department's rows of a department query, or the rows
 * of every patient whose last reading was in that department for a patient query. Rows of a `final` query are
 * delivered only when final. A row of another customer never reaches a subscription, whatever its target.
 */
import type { WindowQuery } from '../queries/compile.js';
import type { GroupKind } from '../queries/schema.js';
import type { WindowRow } from '../windows/window-row.js';

export interface SubscriptionTarget {
  readonly kind: GroupKind;
  readonly id: string;
  readonly customerId: string;
}

export interface HubSubscription {
  readonly query: WindowQuery;
  readonly target: SubscriptionTarget;
  readonly metrics: ReadonlySet<string> | undefined;
  deliver(row: WindowRow): void;
  /** Changes may have been missed (the NOTIFY connection dropped): clients should re-read over REST. */
  gap(reason: string): void;
}

export class ChangeHub {
  /** query \0 patient-or-department id -> subscriptions whose target is that group. */
  private readonly byGroup = new Map<string, Set<HubSubscription>>();
  /** query \0 department id -> subscriptions of a department to a patient query. */
  private readonly byDepartment = new Map<string, Set<HubSubscription>>();
  private readonly queries: ReadonlyMap<string, WindowQuery>;
  private count = 0;

  constructor(queries: readonly WindowQuery[]) {
    this.queries = new Map(queries.map((q) => [q.id, q]));
  }

  get size(): number {
    return this.count;
  }

  private index(s: HubSubscription): Map<string, Set<HubSubscription>> {
    return s.query.group === s.target.kind ? this.byGroup : this.byDepartment;
  }

  add(s: HubSubscription): void {
    const map = this.index(s);
    const key = `${s.query.id}\u0000${s.target.id}`;
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    if (!set.has(s)) this.count++;
    set.add(s);
  }

  remove(s: HubSubscription): void {
    const map = this.index(s);
    const key = `${s.query.id}\u0000${s.target.id}`;
    const set = map.get(key);
    if (set?.delete(s)) this.count--;
    if (set && set.size === 0) map.delete(key);
  }

  publish(rows: readonly WindowRow[]): void {
    if (this.count === 0) return;
    for (const row of rows) {
      const q = this.queries.get(row.queryId);
      if (!q || (q.emit === 'final' && !row.final)) continue;
      this.deliver(this.byGroup.get(`${row.queryId}\u0000${row.groupId}`), row);
      if (row.groupKind === 'patient' && row.departmentId !== null) {
        this.deliver(this.byDepartment.get(`${row.queryId}\u0000${row.departmentId}`), row);
      }
    }
  }

  gap(reason: string): void {
    for (const map of [this.byGroup, this.byDepartment]) for (const set of map.values()) for (const s of set) s.gap(reason);
  }

  private deliver(subs: Set<HubSubscription> | undefined, row: WindowRow): void {
    if (!subs) return;
    for (const s of subs) {
      if (s.target.customerId !== row.customerId) continue;
      if (s.metrics && !s.metrics.has(row.metric)) continue;
      s.deliver(row);
    }
  }
}
