/**
 * Recomputing one gateway's document inside a transaction: lock the gateway's state row first (one writer per
 * gateway; the inputs are read after the lock, so a concurrent change committed before it is always included),
 * read the inputs at `now`, build, and issue a new version only when the content changed and the document passes
 * every check. The caller commits, then publishes.
 */
import { configDocumentProblems, type GatewayConfigDocument } from '@vitals/shared';
import type { Queryable } from '../../db/transaction.js';
import { buildEffectiveConfig, contentHash, issueDocument } from '../domain/effective-config.js';
import { decideVersion } from '../domain/versioning.js';
import { loadGatewayInputs } from '../store/gateway-inputs.js';
import { insertVersion, latestVersion, lockState, setBuildError } from '../store/config-state.js';

export type RecomputeOutcome =
  | { readonly kind: 'gone'; readonly gatewayId: string }
  | { readonly kind: 'unchanged'; readonly gatewayId: string; readonly version: number; readonly nextChangeAtMs?: number }
  | {
      readonly kind: 'issued';
      readonly gatewayId: string;
      readonly version: number;
      readonly document: GatewayConfigDocument;
      readonly nextChangeAtMs?: number;
    }
  | {
      readonly kind: 'invalid';
      readonly gatewayId: string;
      readonly problems: readonly string[];
      readonly nextChangeAtMs?: number;
    };

export interface RecomputeRequest {
  readonly gatewayId: string;
  readonly nowMs: number;
  /** Why: `api <method> <url> (request <id>)`, `change notification`, `reconcile`. */
  readonly cause: string;
  /** Who: the API principal (`api-key:<id>`), or `config-service`. */
  readonly createdBy: string;
  /** Record a build error in the state row when the document is invalid (background paths). */
  readonly recordBuildError: boolean;
}

export async function recomputeGateway(db: Queryable, r: RecomputeRequest): Promise<RecomputeOutcome> {
  const state = await lockState(db, r.gatewayId);
  if (!state) return { kind: 'gone', gatewayId: r.gatewayId };
  const loaded = await loadGatewayInputs(db, r.gatewayId, new Date(r.nowMs).toISOString());
  if (!loaded) return { kind: 'gone', gatewayId: r.gatewayId };
  const next = loaded.nextChangeAtMs === undefined ? {} : { nextChangeAtMs: loaded.nextChangeAtMs };
  const { content, problems } = buildEffectiveConfig(loaded.inputs);
  const hash = contentHash(content);
  const decision = decideVersion(await latestVersion(db, r.gatewayId), state.desiredVersion, hash);
  if (!decision.issue) {
    if (state.buildError !== null && r.recordBuildError) await setBuildError(db, r.gatewayId, null);
    return { kind: 'unchanged', gatewayId: r.gatewayId, version: decision.version, ...next };
  }
  const document = issueDocument(content, decision.version, r.nowMs);
  const all = [...problems, ...configDocumentProblems(document)];
  if (all.length > 0) {
    if (r.recordBuildError) await setBuildError(db, r.gatewayId, all.join('; ').slice(0, 2000));
    return { kind: 'invalid', gatewayId: r.gatewayId, problems: all, ...next };
  }
  await insertVersion(db, {
    gatewayId: r.gatewayId,
    customerId: loaded.customerId,
    document,
    contentHash: hash,
    cause: r.cause,
    createdBy: r.createdBy,
  });
  return { kind: 'issued', gatewayId: r.gatewayId, version: decision.version, document, ...next };
}
