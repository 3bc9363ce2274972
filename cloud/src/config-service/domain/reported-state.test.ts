import { describe, expect, it } from 'vitest';
import { isInSync, reduceAck, type ReportedState } from './reported-state.js';
import { decideVersion } from './versioning.js';

const AT = '2026-01-01T00:00:00.000Z';
const fresh: ReportedState = {
  desiredVersion: 5,
  reportedVersion: 0,
  reportedStatus: null,
  reportedReason: null,
  reportedAt: null,
  appliedVersion: 0,
};

describe('versions', () => {
  it('a new version only when the content changed, always above every earlier one', () => {
    expect(decideVersion(undefined, 0, 'h1')).toEqual({ issue: true, version: 1 });
    expect(decideVersion({ version: 4, contentHash: 'h1' }, 4, 'h1')).toEqual({ issue: false, version: 4 });
    expect(decideVersion({ version: 4, contentHash: 'h1' }, 4, 'h2')).toEqual({ issue: true, version: 5 });
    // The state counter never goes backwards even if stored versions were removed.
    expect(decideVersion({ version: 2, contentHash: 'h1' }, 7, 'h2')).toEqual({ issue: true, version: 8 });
    let latest: { version: number; contentHash: string } | undefined;
    const issued: number[] = [];
    for (const h of ['a', 'a', 'b', 'b', 'a', 'c']) {
      const d = decideVersion(latest, latest?.version ?? 0, h);
      if (d.issue) {
        issued.push(d.version);
        latest = { version: d.version, contentHash: h };
      }
    }
    expect(issued).toEqual([1, 2, 3, 4]);
  });
});

describe('reported state from acknowledgements', () => {
  it('an applied ack of the desired version puts the gateway in sync', () => {
    const { state, outcome } = reduceAck(fresh, { version: 5, status: 'applied' }, AT);
    expect(outcome).toBe('recorded');
    expect(state).toMatchObject({ reportedVersion: 5, reportedStatus: 'applied', appliedVersion: 5, reportedAt: AT });
    expect(isInSync(state)).toBe(true);
  });

  it('an ack for an older version never overwrites a newer reported version', () => {
    const at5 = reduceAck(fresh, { version: 5, status: 'applied' }, AT).state;
    const { state, outcome } = reduceAck(at5, { version: 3, status: 'rejected', reason: 'late' }, AT);
    expect(outcome).toBe('older');
    expect(state).toBe(at5);
  });

  it('a rejection keeps the previous version as applied and carries the reason', () => {
    const at4 = reduceAck({ ...fresh, desiredVersion: 4 }, { version: 4, status: 'applied' }, AT).state;
    const { state } = reduceAck(
      { ...at4, desiredVersion: 5 },
      { version: 5, status: 'rejected', reason: 'disk full', appliedVersion: 4 },
      AT,
    );
    expect(state).toMatchObject({
      reportedVersion: 5,
      reportedStatus: 'rejected',
      reportedReason: 'disk full',
      appliedVersion: 4,
    });
    expect(isInSync(state)).toBe(false);
  });

  it('the same version acknowledged again: the newest word wins', () => {
    const rejected = reduceAck(fresh, { version: 5, status: 'rejected', reason: 'busy' }, AT).state;
    const { state } = reduceAck(rejected, { version: 5, status: 'applied' }, AT);
    expect(state).toMatchObject({ reportedStatus: 'applied', reportedReason: null, appliedVersion: 5 });
  });

  it('a version the cloud never issued does not move the state', () => {
    const { state, outcome } = reduceAck(fresh, { version: 9, status: 'applied' }, AT);
    expect(outcome).toBe('never-issued');
    expect(state).toBe(fresh);
  });

  it('nothing desired yet is never in sync', () => {
    expect(isInSync({ desiredVersion: 0, reportedVersion: 0, reportedStatus: null })).toBe(false);
  });
});
