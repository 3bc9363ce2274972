/** What every analytics route does first: the query it names, and the patient or department, within the caller's customer. */
import type { FastifyRequest } from 'fastify';
import { scopeOfRequest } from '../../auth/plugin.js';
import { inScope, type CustomerScope } from '../../auth/scope.js';
import { CloudErrors } from '../../errors.js';
import type { AnalyticsDeps } from '../deps.js';
import { AnalyticsErrors } from '../errors.js';
import type { WindowQuery } from '../queries/compile.js';
import type { GroupKind } from '../queries/schema.js';

export function queryNamed(deps: AnalyticsDeps, id: string, group?: GroupKind): WindowQuery {
  const q = deps.queries.find((x) => x.id === id);
  if (!q) throw AnalyticsErrors.ANALYTICS_ERR_UNKNOWN_QUERY(id);
  if (group !== undefined && q.group !== group) throw AnalyticsErrors.ANALYTICS_ERR_QUERY_GROUP(id, q.group, group);
  return q;
}

/** The default query of the "latest" and overview routes: the finest patient query that emits changes. */
export function defaultPatientQuery(deps: AnalyticsDeps): WindowQuery {
  const patient = deps.queries.filter((q) => q.group === 'patient');
  const changes = patient.filter((q) => q.emit === 'changes');
  const pick = [...(changes.length ? changes : patient)].sort((a, b) => a.window.sizeMs - b.window.sizeMs)[0];
  if (!pick) throw AnalyticsErrors.ANALYTICS_ERR_UNKNOWN_QUERY('(no patient query is declared)');
  return pick;
}

/** The caller's scope, after checking the patient or department exists for it (404 otherwise, never 403). */
export async function scopeFor(deps: AnalyticsDeps, req: FastifyRequest, kind: GroupKind, id: string): Promise<CustomerScope> {
  const scope = scopeOfRequest(req);
  const customerId = await deps.pg.run(() => deps.reader.customerOf(kind, id));
  if (customerId === undefined || !inScope(scope, customerId)) throw CloudErrors.CLOUD_ERR_NOT_FOUND(kind, id);
  return scope;
}

export function timeRange(from: string, to: string): { from: number; to: number } {
  const f = Date.parse(from);
  const t = Date.parse(to);
  if (!(f < t)) throw AnalyticsErrors.ANALYTICS_ERR_TIME_RANGE('from must be before to');
  return { from: f, to: t };
}
