/**
 * What to do with a configuration payload received on `vitals/config/<gatewayId>` (pure): apply it, reject it
 * with the reason, ignore it as older than the applied version (the gateway never goes back), or recognise the
 * version it runs already (a redelivery after a reconnect). A zero-byte payload is the cloud clearing the retained
 * message (the gateway was deleted): nothing to do.
 */
import { configDocumentProblems, type GatewayConfigDocument } from '@vitals/shared';

export type Decision =
  | { readonly kind: 'apply'; readonly document: GatewayConfigDocument }
  | { readonly kind: 'reject'; readonly version: number; readonly reason: string }
  | { readonly kind: 'older'; readonly version: number }
  | { readonly kind: 'same'; readonly version: number }
  | { readonly kind: 'cleared' };

const MAX_REASON = 1000;

function versionOf(raw: unknown): number {
  const v = (raw as { version?: unknown } | null)?.version;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

export function decide(payload: Buffer, gatewayId: string, appliedVersion: number): Decision {
  if (payload.length === 0) return { kind: 'cleared' };
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { kind: 'reject', version: 0, reason: `not JSON: ${(err as Error).message}`.slice(0, MAX_REASON) };
  }
  const version = versionOf(raw);
  if (version > 0 && version < appliedVersion) return { kind: 'older', version };
  if (version > 0 && version === appliedVersion) return { kind: 'same', version };
  const problems = configDocumentProblems(raw, 5);
  if (problems.length > 0) return { kind: 'reject', version, reason: problems.join('; ').slice(0, MAX_REASON) };
  const document = raw as GatewayConfigDocument;
  if (document.gatewayId !== gatewayId) {
    return { kind: 'reject', version, reason: `document is for gateway ${document.gatewayId}, not ${gatewayId}` };
  }
  return { kind: 'apply', document };
}
