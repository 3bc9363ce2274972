import { describe, expect, it } from 'vitest';
import { deviceTopics, parsePresence } from './topics.js';

describe('device topics', () => {
  const t = deviceTopics('vitals');

  it('parses readings and status topics, with the device id', () => {
    expect(t.parse('vitals/devices/MON-1/readings')).toEqual({ deviceId: 'MON-1', kind: 'readings' });
    expect(t.parse('vitals/devices/MON-1/status')).toEqual({ deviceId: 'MON-1', kind: 'status' });
    expect(t.parse('vitals/devices/MON-1/readings/extra')).toEqual({ deviceId: 'MON-1', kind: 'other' });
    expect(t.parse('vitals/config/gw-1')).toBeUndefined();
    expect(t.parse('other/devices/MON-1/readings')).toBeUndefined();
  });

  it('keeps a device inside its own subtree', () => {
    expect(t.isOwnSubtree('MON-1', 'vitals/devices/MON-1/#')).toBe(true);
    expect(t.isOwnSubtree('MON-1', 'vitals/devices/MON-1/errors')).toBe(true);
    expect(t.isOwnSubtree('MON-1', 'vitals/devices/MON-10/errors')).toBe(false);
    expect(t.isOwnSubtree('MON-1', 'vitals/devices/+/readings')).toBe(false);
    expect(t.isOwnSubtree('MON-1', 'vitals/#')).toBe(false);
  });

  it('reads presence as text or JSON', () => {
    expect(parsePresence(Buffer.from('online'))).toBe('online');
    expect(parsePresence(Buffer.from('{"status":"offline"}'))).toBe('offline');
    expect(parsePresence(Buffer.from('sleeping'))).toBeUndefined();
    expect(parsePresence(Buffer.from('{bad'))).toBeUndefined();
  });
});
