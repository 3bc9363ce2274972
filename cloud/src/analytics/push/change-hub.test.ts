import { describe, expect, it } from 'vitest';
import { compileQueries } from '../queries/compile.js';
import type { WindowRow } from '../windows/window-row.js';
import { ChangeHub, type HubSubscription } from './change-hub.js';

const queries = compileQueries(
  {
    version: 1,
    queries: [
      {
        id: 'p1m',
        metrics: '*',
        group: 'patient',
        window: { type: 'tumbling', size: '1m' },
        aggregates: ['count'],
        grace: '0s',
        emit: 'changes',
      },
      {
        id: 'hop',
        metrics: '*',
        group: 'patient',
        window: { type: 'hopping', size: '2m', advance: '1m' },
        aggregates: ['count'],
        grace: '0s',
        emit: 'final',
      },
      {
        id: 'dep',
        metrics: '*',
        group: 'department',
        window: { type: 'tumbling', size: '5m' },
        aggregates: ['count'],
        grace: '0s',
        emit: 'changes',
      },
    ],
  },
  'test',
);
const [p1m, hop, dep] = queries as [(typeof queries)[0], (typeof queries)[0], (typeof queries)[0]];
const C1 = 'c1';
const C2 = 'c2';

function row(o: Partial<WindowRow>): WindowRow {
  return {
    queryId: 'p1m',
    customerId: C1,
    groupKind: 'patient',
    groupId: 'pa',
    departmentId: 'd1',
    bedId: null,
    metric: 'heart_rate',
    windowStart: 0,
    windowEnd: 60_000,
    count: 1,
    sum: 1,
    min: 1,
    max: 1,
    last: 1,
    lastMeasuredAt: 0,
    lastNews2: null,
    revision: 1,
    final: false,
    ...o,
  };
}

function sub(query: (typeof queries)[0], kind: 'patient' | 'department', id: string, customerId = C1, metrics?: string[]) {
  const got: WindowRow[] = [];
  const s: HubSubscription = {
    query,
    target: { kind, id, customerId },
    metrics: metrics ? new Set(metrics) : undefined,
    deliver: (r) => got.push(r),
    gap: () => undefined,
  };
  return { s, got };
}

describe('change hub', () => {
  it('routes a patient row to its patient’s subscribers and to its department’s, for the same query only', () => {
    const hub = new ChangeHub(queries);
    const patient = sub(p1m, 'patient', 'pa');
    const other = sub(p1m, 'patient', 'pb');
    const ward = sub(p1m, 'department', 'd1');
    const otherWard = sub(p1m, 'department', 'd2');
    const depQuery = sub(dep, 'department', 'd1');
    for (const x of [patient, other, ward, otherWard, depQuery]) hub.add(x.s);
    hub.publish([row({})]);
    expect([patient, other, ward, otherWard, depQuery].map((x) => x.got.length)).toEqual([1, 0, 1, 0, 0]);
    hub.publish([row({ queryId: 'dep', groupKind: 'department', groupId: 'd1' })]);
    expect(depQuery.got).toHaveLength(1);
    expect(ward.got).toHaveLength(1);
  });

  it('delivers rows of a final query only when final, filters metrics, and never crosses customers', () => {
    const hub = new ChangeHub(queries);
    const h = sub(hop, 'patient', 'pa');
    const spo2 = sub(p1m, 'patient', 'pa', C1, ['spo2']);
    const foreign = sub(p1m, 'patient', 'pa', C2);
    for (const x of [h, spo2, foreign]) hub.add(x.s);
    hub.publish([row({ queryId: 'hop' }), row({ queryId: 'hop', final: true }), row({}), row({ metric: 'spo2' })]);
    expect(h.got.map((r) => r.final)).toEqual([true]);
    expect(spo2.got.map((r) => r.metric)).toEqual(['spo2']);
    expect(foreign.got).toEqual([]);
  });

  it('forgets removed subscriptions', () => {
    const hub = new ChangeHub(queries);
    const a = sub(p1m, 'patient', 'pa');
    hub.add(a.s);
    hub.add(a.s);
    expect(hub.size).toBe(1);
    hub.remove(a.s);
    expect(hub.size).toBe(0);
    hub.publish([row({})]);
    expect(a.got).toEqual([]);
  });
});
