/** Deciding and applying documents: newer applied atomically and persisted, older ignored, invalid rejected. */
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../buffer/schema.js';
import { FakeClock } from '../testing/fake-clock.js';
import { compileConfig } from './compiled-config.js';
import { createConfigApplier } from './config-applier.js';
import { ConfigStore } from './config-store.js';
import { decide } from './decide.js';
import { ADA, BOB, bytes, testDocument } from './test-documents.js';

const log = pino({ level: 'silent' });

describe('deciding what to do with a document', () => {
  it('applies a newer valid document for this gateway', () => {
    expect(decide(bytes(testDocument(2)), 'gw-test', 1).kind).toBe('apply');
  });
  it('ignores an older version and recognises the applied one', () => {
    expect(decide(bytes(testDocument(2)), 'gw-test', 3)).toEqual({ kind: 'older', version: 2 });
    expect(decide(bytes(testDocument(3)), 'gw-test', 3)).toEqual({ kind: 'same', version: 3 });
  });
  it('rejects what it cannot apply, with the reason', () => {
    expect(decide(Buffer.from('{oops'), 'gw-test', 0)).toMatchObject({ kind: 'reject', version: 0 });
    expect(decide(bytes(testDocument(4)), 'gw-other', 0)).toEqual({
      kind: 'reject',
      version: 4,
      reason: 'document is for gateway gw-test, not gw-other',
    });
    const bad = testDocument(5, {
      thresholds: [{ metric: 'spo2', low: 95, high: 90, priority: 'high', hysteresis: 0, scope: 'customer' }],
    });
    expect(decide(bytes(bad), 'gw-test', 0)).toMatchObject({
      kind: 'reject',
      version: 5,
      reason: expect.stringMatching(/low 95/),
    });
    expect(decide(bytes({ ...testDocument(6), extra: 1 }), 'gw-test', 0)).toMatchObject({ kind: 'reject', version: 6 });
  });
  it('a zero-byte payload is the cloud clearing the retained document', () => {
    expect(decide(Buffer.alloc(0), 'gw-test', 3)).toEqual({ kind: 'cleared' });
  });
});

describe('compiled configuration', () => {
  it('places devices and gives each patient its rules over the department level', () => {
    const c = compileConfig(testDocument(1));
    expect(c.placement('MON-1')).toEqual({
      bedId: expect.any(String),
      bedLabel: 'A',
      patientId: ADA,
      patientDisplayName: 'A. L.',
    });
    expect(c.bands('MON-1', 'heart_rate').map((b) => `${b.scope}/${b.priority}/${b.high}`)).toEqual([
      'department/medium/110',
      'department/high/130',
    ]);
    expect(c.bands('MON-2', 'heart_rate').map((b) => `${b.scope}/${b.high}`)).toEqual(['patient/150']);
    expect(c.placement('MON-2')?.patientId).toBe(BOB);
    // Unplaced devices get the department level; metrics without rules the catalog defaults.
    expect(c.bands('MON-9', 'heart_rate').map((b) => b.high)).toEqual([110, 130]);
    expect(c.bands('MON-1', 'spo2').every((b) => b.scope === 'catalog')).toBe(true);
  });
  it('without a document: version 0, catalog defaults, alarms on', () => {
    const c = compileConfig(undefined);
    expect(c.version).toBe(0);
    expect(c.bands('MON-1', 'heart_rate').every((b) => b.scope === 'catalog')).toBe(true);
    expect(c.alarmsEnabled('MON-1')).toBe(true);
  });
});

describe('applying documents', () => {
  let db: Database.Database;
  let clock: FakeClock;
  const applier = () => createConfigApplier({ gatewayId: 'gw-test', store: ConfigStore.create(db), clock, log });

  beforeEach(() => {
    db = new Database(':memory:');
    for (const m of MIGRATIONS) db.exec(m);
    clock = new FakeClock();
  });
  afterEach(() => db.close());

  it('applies, persists and acknowledges a newer version; a restart comes back with it', () => {
    const a = applier();
    const seen: number[] = [];
    a.onApplied((next, prev) => seen.push(prev.version, next.version));
    expect(a.receive(bytes(testDocument(3)))).toEqual({ version: 3, status: 'applied', appliedVersion: 3 });
    expect(a.current().version).toBe(3);
    expect(a.appliedAtMs()).toBe(clock.now());
    expect(seen).toEqual([0, 3]);
    clock.advance(60_000);
    const restarted = applier();
    expect(restarted.current().version).toBe(3);
    expect(restarted.current().placement('MON-1')?.bedLabel).toBe('A');
    expect(restarted.appliedAtMs()).toBe(clock.now() - 60_000);
  });

  it('ignores older versions and re-acknowledges the applied one', () => {
    const a = applier();
    a.receive(bytes(testDocument(5)));
    expect(a.receive(bytes(testDocument(4)))).toEqual({ version: 5, status: 'applied', appliedVersion: 5 });
    expect(a.receive(bytes(testDocument(5)))).toEqual({ version: 5, status: 'applied', appliedVersion: 5 });
    expect(a.current().version).toBe(5);
    const outcomes = db.prepare('SELECT version, outcome FROM config_receipts ORDER BY id').all();
    expect(outcomes).toEqual([
      { version: 5, outcome: 'applied' },
      { version: 4, outcome: 'older' },
      { version: 5, outcome: 'repeated' },
    ]);
  });

  it('rejects a document it cannot apply and keeps the previous version', () => {
    const a = applier();
    a.receive(bytes(testDocument(2)));
    const dup = testDocument(3);
    const ack = a.receive(bytes({ ...dup, beds: [dup.beds[0], { ...dup.beds[1]!, deviceIds: ['MON-1'] }] }));
    expect(ack).toMatchObject({ version: 3, status: 'rejected', appliedVersion: 2, reason: expect.stringMatching(/MON-1/) });
    expect(a.current().version).toBe(2);
    expect(a.lastRejection()).toMatchObject({ version: 3, atMs: clock.now() });
    expect(applier().current().version).toBe(2);
    // The next good version clears the rejection.
    a.receive(bytes(testDocument(4)));
    expect(a.lastRejection()).toBeUndefined();
  });

  it('a document that cannot be persisted is rejected and the previous one stays', () => {
    const a = applier();
    a.receive(bytes(testDocument(1)));
    db.exec("CREATE TRIGGER refuse BEFORE UPDATE ON config_applied BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    expect(a.receive(bytes(testDocument(2)))).toMatchObject({
      version: 2,
      status: 'rejected',
      reason: expect.stringMatching(/cannot persist the document: disk says no/),
    });
    expect(a.current().version).toBe(1);
  });
});
