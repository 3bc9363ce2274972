import { describe, expect, it } from 'vitest';
import { wardSummary } from './ward-summary.js';

describe('wardSummary', () => {
  it('names devices online, buffered and unsent readings, and the uplink state', () => {
    const status = {
      buffer: { readings: 12345, unsent: 17 },
      uplink: { state: 'sending' },
      devices: { online: 7, list: new Array(8).fill({}) },
    };
    expect(wardSummary('ICU', status)).toBe(
      'ICU: 7/8 devices online, 12,345 readings buffered, 17 waiting to be forwarded (uplink sending)',
    );
  });

  it('says so when the gateway does not answer', () => {
    expect(wardSummary('W5', null)).toBe('W5: gateway not answering');
  });
});
