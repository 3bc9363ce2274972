import { describe, expect, it } from 'vitest';
import { withQuery } from './api.js';
import { formatAge, patientName } from './format.js';
import { syncText, type ConfigStatus } from './pages/admin/gateways.js';
import { href, parseRoute } from './router.js';
import { rowObject } from './stream.js';

describe('routes', () => {
  it('parses the hash routes and builds them back', () => {
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('#/login')).toEqual({ name: 'login' });
    expect(parseRoute(href.department('d 1'))).toEqual({ name: 'department', id: 'd 1' });
    expect(parseRoute(href.patient('p1'))).toEqual({ name: 'patient', id: 'p1' });
    expect(parseRoute('#/admin')).toEqual({ name: 'admin', tab: 'thresholds' });
    expect(parseRoute(href.admin('gateways'))).toEqual({ name: 'admin', tab: 'gateways' });
    expect(parseRoute('#/admin/nope')).toEqual({ name: 'not-found', path: '/admin/nope' });
  });
});

describe('small pieces', () => {
  it('builds query strings without empty values', () => {
    expect(withQuery('/x', { a: 1, b: '', c: undefined, d: null, e: 'a b' })).toBe('/x?a=1&e=a+b');
    expect(withQuery('/x')).toBe('/x');
  });
  it('names rows of the stream by their header', () => {
    expect(rowObject(['groupId', 'metric', 'last'], ['p', 'spo2', 97])).toEqual({ groupId: 'p', metric: 'spo2', last: 97 });
    expect(rowObject(['a', 'b'], [1])).toEqual({ a: 1, b: null });
  });
  it('writes names and ages', () => {
    expect(patientName({ givenName: 'Ada', familyName: 'Lovelace', mrn: 'M1' })).toBe('Lovelace, Ada');
    expect(patientName({ givenName: null, familyName: null, mrn: 'M1' })).toBe('M1');
    expect(formatAge(90_000)).toBe('1 min ago');
    expect(formatAge(500)).toBe('now');
  });
  it('says in words whether a gateway runs the configuration the cloud wants', () => {
    const s: ConfigStatus = {
      gatewayId: 'gw-1',
      departmentId: 'd',
      desiredVersion: 5,
      desiredAt: null,
      reportedVersion: 4,
      reportedStatus: 'applied',
      reportedReason: null,
      reportedAt: null,
      appliedVersion: 4,
      lastSeenAt: null,
      connected: true,
      inSync: false,
      buildError: null,
    };
    expect(syncText(s)).toBe('Out of sync: waiting for the gateway (version 5 issued, 4 running)');
    expect(syncText({ ...s, reportedVersion: 5, appliedVersion: 5, inSync: true })).toBe('In sync');
    expect(syncText({ ...s, reportedVersion: 5, reportedStatus: 'rejected', reportedReason: 'bad rule' })).toBe(
      'Rejected version 5: bad rule',
    );
    expect(syncText({ ...s, desiredVersion: 0 })).toBe('No configuration issued yet');
    expect(syncText({ ...s, buildError: 'no beds' })).toBe('Configuration cannot be built: no beds');
  });
});
