/**
 * Device authentication, by configuration: `open` (any well-formed device id), `allowlist` (listed ids only)
 * or `credentials` (per-device secrets, stored as scrypt hashes in a JSON file read once at start). The device
 * identity over MQTT is the username when one is given, else the client id; a device may then publish only
 * under its own id. HL7 senders (serial, MLLP TCP) carry no secret: their device id must be known unless the
 * mode is `open`.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEVICE_ID_PATTERN } from '@vitals/shared';
import { EdgeErrors } from '../errors.js';

const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

export type AuthMode = 'open' | 'allowlist' | 'credentials';

export type AuthResult = { ok: true; deviceId: string } | { ok: false; reason: 'bad-id' | 'unknown-device' | 'bad-credentials' };

export interface DeviceAuth {
  readonly mode: AuthMode;
  authenticate(clientId: string, username: string | undefined, password: Buffer | undefined): Promise<AuthResult>;
  /** Whether HL7 messages from this device id are taken. */
  isKnownDevice(deviceId: string): boolean;
}

function derive(secret: Buffer, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$<salt base64>$<hash base64>` for the credentials file. */
export async function hashDeviceSecret(secret: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await derive(Buffer.from(secret, 'utf8'), salt);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function verify(stored: string, secret: Buffer): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(secret, Buffer.from(salt, 'base64'));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

function readCredentials(file: string | null): Map<string, string> {
  if (!file)
    throw EdgeErrors.EDGE_ERR_CREDENTIALS_FILE('(unset)', 'EDGE_DEVICE_AUTH=credentials needs EDGE_DEVICE_CREDENTIALS_FILE');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw EdgeErrors.EDGE_ERR_CREDENTIALS_FILE.withCause(err, file, (err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw EdgeErrors.EDGE_ERR_CREDENTIALS_FILE(file, 'expected a JSON object { "<deviceId>": "scrypt$<salt>$<hash>" }');
  }
  const out = new Map<string, string>();
  for (const [id, hash] of Object.entries(parsed)) {
    if (!DEVICE_ID.test(id) || typeof hash !== 'string' || !hash.startsWith('scrypt$')) {
      throw EdgeErrors.EDGE_ERR_CREDENTIALS_FILE(file, `bad entry for ${JSON.stringify(id)}`);
    }
    out.set(id, hash);
  }
  return out;
}

export function createDeviceAuth(opts: {
  mode: AuthMode;
  allowlist: readonly string[];
  credentialsFile: string | null;
}): DeviceAuth {
  const allowed = new Set(opts.allowlist);
  const credentials = opts.mode === 'credentials' ? readCredentials(opts.credentialsFile) : new Map<string, string>();
  // A device that reconnects with the secret it proved before is not hashed again (reconnect storms).
  const proven = new Map<string, string>();
  const fingerprint = (secret: Buffer) => createHash('sha256').update(secret).digest('base64');

  const isKnownDevice = (id: string) =>
    DEVICE_ID.test(id) && (opts.mode === 'open' || (opts.mode === 'allowlist' ? allowed.has(id) : credentials.has(id)));

  return {
    mode: opts.mode,
    isKnownDevice,
    async authenticate(clientId, username, password) {
      const deviceId = username !== undefined && username !== '' ? username : clientId;
      if (!DEVICE_ID.test(deviceId)) return { ok: false, reason: 'bad-id' };
      if (opts.mode === 'open') return { ok: true, deviceId };
      if (opts.mode === 'allowlist')
        return allowed.has(deviceId) ? { ok: true, deviceId } : { ok: false, reason: 'unknown-device' };
      const stored = credentials.get(deviceId);
      if (stored === undefined) return { ok: false, reason: 'unknown-device' };
      if (!password) return { ok: false, reason: 'bad-credentials' };
      const fp = fingerprint(password);
      if (proven.get(deviceId) === fp) return { ok: true, deviceId };
      if (!(await verify(stored, password))) return { ok: false, reason: 'bad-credentials' };
      proven.set(deviceId, fp);
      return { ok: true, deviceId };
    },
  };
}
