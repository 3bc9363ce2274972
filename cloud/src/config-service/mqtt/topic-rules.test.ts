import { describe, expect, it } from 'vitest';
import { decodeAck } from './ack-codec.js';
import { gatewayOfAckTopic, mayGatewayPublish, mayGatewaySubscribe, mosquittoAcl } from './topic-rules.js';

describe('MQTT topic rules of the push-down', () => {
  it('a gateway subscribes only to its own config topic, without wildcards', () => {
    expect(mayGatewaySubscribe('gw-a', 'vitals/config/gw-a')).toBe(true);
    for (const f of ['vitals/config/gw-b', 'vitals/config/+', 'vitals/config/#', 'vitals/#', '#', 'vitals/config/gw-a/ack']) {
      expect(mayGatewaySubscribe('gw-a', f), f).toBe(false);
    }
  });

  it('a gateway publishes only its own acknowledgements', () => {
    expect(mayGatewayPublish('gw-a', 'vitals/config/gw-a/ack')).toBe(true);
    for (const t of ['vitals/config/gw-b/ack', 'vitals/config/gw-a', 'vitals/devices/x/settings']) {
      expect(mayGatewayPublish('gw-a', t), t).toBe(false);
    }
  });

  it('reads the gateway id of an acknowledgement topic', () => {
    expect(gatewayOfAckTopic('vitals/config/gw-a/ack')).toBe('gw-a');
    expect(gatewayOfAckTopic('vitals/config/GW/ack')).toBeUndefined();
    expect(gatewayOfAckTopic('vitals/config/gw-a')).toBeUndefined();
  });

  it('the Mosquitto ACL says the same with %u = gateway id', () => {
    expect(mosquittoAcl('svc')).toContain('pattern read vitals/config/%u\npattern write vitals/config/%u/ack');
  });
});

describe('acknowledgement payloads', () => {
  it('decodes a ConfigAck and refuses anything else', () => {
    expect(decodeAck(Buffer.from('{"version":3,"status":"rejected","reason":"x","appliedVersion":2}'))).toEqual({
      ok: true,
      ack: { version: 3, status: 'rejected', reason: 'x', appliedVersion: 2 },
    });
    expect(decodeAck(Buffer.from('nope'))).toEqual({ ok: false, problem: 'not JSON' });
    expect(decodeAck(Buffer.from('{"version":-1,"status":"applied"}')).ok).toBe(false);
    expect(decodeAck(Buffer.from('{"version":1,"status":"done"}')).ok).toBe(false);
    expect(decodeAck(Buffer.alloc(5000, 32)).ok).toBe(false);
  });
});
