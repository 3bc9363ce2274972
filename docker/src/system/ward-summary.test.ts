import { describe, expect, it } from 'vitest';
import { wardSummary } from './ward-summary.js';

const now = Date.parse('2026-11-25T12:00:00Z');
const status = {
  buffer: { readings: 12345, unsent: 17 },
  uplink: { state: 'sending' },
  devices: { online: 7, list: new Array(8).fill({}) },
};

describe('wardSummary', () => {
  it('names devices online, buffered and unsent readings, the uplink state and the patients live in the cloud', () => {
    const overview = {
      patients: [
        { lastMeasuredAt: '2026-11-25T11:59:30Z' },
        { lastMeasuredAt: '2026-11-25T11:58:30Z' },
        { lastMeasuredAt: '2026-11-25T11:50:00Z' },
        { lastMeasuredAt: null },
      ],
    };
    expect(wardSummary('ICU', status, overview, now)).toBe(
      'ICU: 7/8 devices online, 12,345 readings buffered, 17 waiting to be forwarded (uplink sending), 2 patients live on the dashboard',
    );
  });

  it('says which side does not answer', () => {
    expect(wardSummary('W5', null, { patients: [] }, now)).toBe('W5: gateway not answering, 0 patients live on the dashboard');
    expect(wardSummary('W5', status, null, now)).toMatch(/uplink sending\), dashboard not answering$/);
  });
});
