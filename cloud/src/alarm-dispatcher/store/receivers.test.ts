import { describe, expect, it } from 'vitest';
import { namesByPolicy, routeAlarm, type Receiver } from './receivers.js';

const C1 = '00000000-0000-4000-8000-000000000001';
const C2 = '00000000-0000-4000-8000-000000000002';
const ICU = '00000000-0000-4000-8000-0000000000d1';
const W5 = '00000000-0000-4000-8000-0000000000d2';

function receiver(id: string, customerId: string, departmentId: string | null): Receiver {
  return {
    id,
    customerId,
    departmentId,
    name: id,
    host: '127.0.0.1',
    port: 2575,
    receivingApplication: '',
    receivingFacility: '',
  };
}

describe('routing', () => {
  const all = [receiver('icu', C1, ICU), receiver('w5', C1, W5), receiver('wide', C1, null), receiver('other', C2, null)];
  it("sends an alarm to its department's receivers and the customer-wide ones, never another customer's", () => {
    expect(routeAlarm(all, C1, ICU).map((r) => r.id)).toEqual(['icu', 'wide']);
    expect(routeAlarm(all, C1, W5).map((r) => r.id)).toEqual(['w5', 'wide']);
    expect(routeAlarm(all, C2, ICU).map((r) => r.id)).toEqual(['other']);
    expect(routeAlarm([], C1, ICU)).toEqual([]);
  });
});

describe('PID-5 by the customer name policy', () => {
  it('sends the full name, initials, or nothing', () => {
    expect(namesByPolicy('full', 'Lovelace', 'Ada')).toEqual({ familyName: 'Lovelace', givenName: 'Ada' });
    expect(namesByPolicy('initials', 'lovelace', ' ada')).toEqual({ familyName: 'L.', givenName: 'A.' });
    expect(namesByPolicy('none', 'Lovelace', 'Ada')).toEqual({});
    expect(namesByPolicy('initials', null, '')).toEqual({});
  });
});
