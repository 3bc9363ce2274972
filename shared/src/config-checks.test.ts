import { describe, expect, it } from 'vitest';
import { bandSetProblems, configDocumentProblems, thresholdRuleProblems } from './config-checks.js';
import type { GatewayConfigDocument, ThresholdRule } from './config-document.js';

const BED = '00000000-0000-4000-8000-00000000000b';
const PATIENT = '00000000-0000-4000-8000-00000000000a';

function doc(over: Partial<GatewayConfigDocument> = {}): GatewayConfigDocument {
  return {
    gatewayId: 'gw-1',
    version: 3,
    issuedAt: '2026-01-01T00:00:00.000Z',
    patientNamePolicy: 'initials',
    beds: [{ bedId: BED, label: 'A', patient: { id: PATIENT, displayName: 'A. L.' }, deviceIds: ['MON-1'] }],
    thresholds: [
      { metric: 'heart_rate', high: 120, low: 50, priority: 'medium', hysteresis: 3, scope: 'department' },
      { metric: 'heart_rate', high: 140, low: 40, priority: 'high', hysteresis: 3, scope: 'department' },
    ],
    deviceSettings: [{ deviceId: 'MON-1', samplingIntervalMs: 1000, alarmsEnabled: true }],
    ...over,
  };
}

const rule = (over: Partial<ThresholdRule>): ThresholdRule => ({
  metric: 'heart_rate',
  priority: 'medium',
  hysteresis: 0,
  scope: 'department',
  ...over,
});

describe('configuration document checks', () => {
  it('a consistent document has no problems', () => {
    expect(configDocumentProblems(doc())).toEqual([]);
  });

  it('schema problems come first and alone', () => {
    const problems = configDocumentProblems({ ...doc(), version: 0, extra: true });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('/'))).toBe(true);
  });

  it('a rule needs a limit, low below high, and a hysteresis narrower than its band', () => {
    expect(thresholdRuleProblems(rule({}))).toEqual(['needs a low or a high limit']);
    expect(thresholdRuleProblems(rule({ low: 90, high: 80 }))).toEqual(['low 90 must be below high 80']);
    expect(thresholdRuleProblems(rule({ low: 50, high: 60, hysteresis: 10 }))[0]).toMatch(/hysteresis 10/);
    expect(thresholdRuleProblems(rule({ high: 60, hysteresis: 100 }))).toEqual([]);
  });

  it('escalation bands nest and have one band per priority', () => {
    expect(bandSetProblems([rule({ high: 120 }), rule({ high: 110, priority: 'high' })])[0]).toMatch(
      /high-priority high limit 110/,
    );
    expect(bandSetProblems([rule({ low: 50 }), rule({ low: 55, priority: 'high' })])[0]).toMatch(/low limit 55/);
    expect(bandSetProblems([rule({ high: 120 }), rule({ high: 130 })])).toEqual(['two medium-priority bands']);
    expect(bandSetProblems([rule({ high: 120 }), rule({ low: 40, priority: 'high' })])).toEqual([]);
  });

  it('finds inconsistent rules inside a document, by path', () => {
    const bad = doc({
      thresholds: [
        { metric: 'spo2', low: 95, high: 90, priority: 'medium', hysteresis: 0, scope: 'customer' },
        { metric: 'spo2', low: 90, priority: 'low', hysteresis: 0, scope: 'patient' },
      ],
    });
    expect(configDocumentProblems(bad)).toEqual([
      '/thresholds/0 (spo2 customer): low 95 must be below high 90',
      '/thresholds/1 (spo2 patient): a patientId is required for scope patient and only there',
    ]);
  });

  it('a device, bed or patient appears once; device settings once per device', () => {
    const b = doc().beds[0]!;
    const problems = configDocumentProblems(
      doc({
        beds: [b, { ...b, label: 'B' }],
        deviceSettings: [...doc().deviceSettings, ...doc().deviceSettings],
      }),
    );
    expect(problems).toEqual([
      `/beds: bed ${BED} appears twice`,
      '/beds: device MON-1 is in more than one bed',
      `/beds: patient ${PATIENT} is in more than one bed`,
      '/deviceSettings: device MON-1 appears twice',
    ]);
  });
});
