/** Acknowledgement payloads from gateways: bytes in, a typed `ConfigAck` or the problems out. Pure. */
import { ConfigAckSchema, createValidator, type ConfigAck } from '@vitals/shared';

const validator = createValidator(ConfigAckSchema);
const MAX_ACK_BYTES = 4096;

export type DecodedAck = { readonly ok: true; readonly ack: ConfigAck } | { readonly ok: false; readonly problem: string };

export function decodeAck(payload: Buffer): DecodedAck {
  if (payload.length > MAX_ACK_BYTES) return { ok: false, problem: `larger than ${MAX_ACK_BYTES} bytes` };
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (!validator.check(raw)) return { ok: false, problem: validator.problems(raw, 3).join('; ') };
  return { ok: true, ack: raw };
}
