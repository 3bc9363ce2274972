import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import { createDeviceAuth, hashDeviceSecret } from './device-auth.js';

describe('device authentication', () => {
  it('in open mode takes any well-formed id, the username before the client id', async () => {
    const auth = createDeviceAuth({ mode: 'open', allowlist: [], credentialsFile: null });
    expect(await auth.authenticate('client-1', undefined, undefined)).toEqual({ ok: true, deviceId: 'client-1' });
    expect(await auth.authenticate('client-1', 'MON-2', undefined)).toEqual({ ok: true, deviceId: 'MON-2' });
    expect(await auth.authenticate('bad id!', undefined, undefined)).toEqual({ ok: false, reason: 'bad-id' });
  });

  it('in allow-list mode takes only listed ids, over MQTT and HL7 alike', async () => {
    const auth = createDeviceAuth({ mode: 'allowlist', allowlist: ['MON-1'], credentialsFile: null });
    expect((await auth.authenticate('MON-1', undefined, undefined)).ok).toBe(true);
    expect(await auth.authenticate('MON-2', undefined, undefined)).toEqual({ ok: false, reason: 'unknown-device' });
    expect([auth.isKnownDevice('MON-1'), auth.isKnownDevice('MON-2')]).toEqual([true, false]);
  });

  it('in credentials mode checks the secret against its scrypt hash', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-auth-'));
    const file = path.join(dir, 'devices.json');
    writeFileSync(file, JSON.stringify({ 'MON-1': await hashDeviceSecret('s3cret') }));
    const auth = createDeviceAuth({ mode: 'credentials', allowlist: [], credentialsFile: file });
    rmSync(dir, { recursive: true, force: true }); // read once, at creation
    expect(await auth.authenticate('c', 'MON-1', Buffer.from('s3cret'))).toEqual({ ok: true, deviceId: 'MON-1' });
    expect(await auth.authenticate('c', 'MON-1', Buffer.from('s3cret'))).toEqual({ ok: true, deviceId: 'MON-1' });
    expect(await auth.authenticate('c', 'MON-1', Buffer.from('guess'))).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(await auth.authenticate('c', 'MON-1', undefined)).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(await auth.authenticate('c', 'MON-9', Buffer.from('s3cret'))).toEqual({ ok: false, reason: 'unknown-device' });
  });

  it('refuses to start without a readable credentials file', () => {
    const err = (() => {
      try {
        createDeviceAuth({ mode: 'credentials', allowlist: [], credentialsFile: '/nonexistent/devices.json' });
      } catch (e) {
        return e;
      }
    })();
    expect(isVitalsError(err, 'EDGE_ERR_CREDENTIALS_FILE')).toBe(true);
  });
});
