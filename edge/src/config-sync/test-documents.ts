/** Configuration documents for the edge's unit tests. */
import type { GatewayConfigDocument } from '@vitals/shared';

export const BED_A = '00000000-0000-4000-8000-0000000000b1';
export const BED_B = '00000000-0000-4000-8000-0000000000b2';
export const ADA = '00000000-0000-4000-8000-0000000000a1';
export const BOB = '00000000-0000-4000-8000-0000000000a2';

export function testDocument(version: number, over: Partial<GatewayConfigDocument> = {}): GatewayConfigDocument {
  return {
    gatewayId: 'gw-test',
    version,
    issuedAt: new Date(Date.UTC(2026, 0, 1) + version * 1000).toISOString(),
    departmentId: '00000000-0000-4000-8000-0000000000d1',
    patientNamePolicy: 'initials',
    beds: [
      { bedId: BED_A, label: 'A', patient: { id: ADA, displayName: 'A. L.' }, deviceIds: ['MON-1'] },
      { bedId: BED_B, label: 'B', patient: { id: BOB, displayName: 'B. B.' }, deviceIds: ['MON-2'] },
    ],
    thresholds: [
      { metric: 'heart_rate', high: 110, priority: 'medium', hysteresis: 3, scope: 'department' },
      { metric: 'heart_rate', high: 130, priority: 'high', hysteresis: 3, scope: 'department' },
      { metric: 'heart_rate', high: 150, priority: 'medium', hysteresis: 3, scope: 'patient', patientId: BOB },
    ],
    deviceSettings: [{ deviceId: 'MON-1', samplingIntervalMs: 1000, alarmsEnabled: true }],
    ...over,
  };
}

export const bytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));
