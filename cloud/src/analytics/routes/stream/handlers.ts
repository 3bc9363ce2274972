/** One handler per client message type of `/v1/stream`, and the router that picks it. */
import { isVitalsError, type VitalsError } from '@vitals/shared';
import { ROLE_SETS } from '../../../auth/roles.js';
import { inScope, scopeOf } from '../../../auth/scope.js';
import { CloudErrors } from '../../../errors.js';
import { AnalyticsErrors } from '../../errors.js';
import type { HubSubscription, SubscriptionTarget } from '../../push/change-hub.js';
import { columnsOf, rowCells } from '../../windows/present.js';
import { CLOSE, parseClientMessage, type ClientMessage, type SubscribeMessage } from './protocol.js';
import type { StreamSession } from './session.js';

function asTyped(err: unknown): VitalsError {
  return isVitalsError(err) ? err : CloudErrors.CLOUD_ERR_INTERNAL.withCause(err, 'websocket');
}

export async function authenticate(session: StreamSession, authorization: string): Promise<void> {
  try {
    const principal = await session.deps.authenticator.authenticate(authorization);
    if (!(ROLE_SETS.readers as readonly string[]).includes(principal.role)) {
      const e = CloudErrors.CLOUD_ERR_FORBIDDEN(principal.role, 'GET /v1/stream');
      session.error(e);
      session.close(CLOSE.forbidden, e.code, 'forbidden');
      return;
    }
    session.authenticated(principal);
    session.send({ type: 'ready', role: principal.role, customerId: principal.customerId });
  } catch (err) {
    const e = asTyped(err);
    session.error(e);
    session.close(e.statusCode === 503 ? CLOSE.internal : CLOSE.unauthenticated, e.code, 'unauthenticated');
  }
}

async function onAuth(session: StreamSession, m: Extract<ClientMessage, { type: 'auth' }>): Promise<void> {
  if (session.principal !== null) return session.error(AnalyticsErrors.ANALYTICS_ERR_WS_PROTOCOL('already authenticated'));
  await authenticate(session, `Bearer ${m.token}`);
}

async function onSubscribe(session: StreamSession, m: SubscribeMessage): Promise<void> {
  const { deps } = session;
  const principal = session.principal;
  if (principal === null) return session.error(CloudErrors.CLOUD_ERR_UNAUTHENTICATED('send an auth message first'), m.id);
  if (session.subscriptions.has(m.id))
    return session.error(AnalyticsErrors.ANALYTICS_ERR_WS_PROTOCOL(`subscription ${m.id} exists`), m.id);
  if (session.subscriptions.size >= deps.maxSubscriptions) {
    return session.error(AnalyticsErrors.ANALYTICS_ERR_WS_TOO_MANY_SUBSCRIPTIONS(deps.maxSubscriptions), m.id);
  }
  const query = deps.queries.get(m.query);
  if (!query) return session.error(AnalyticsErrors.ANALYTICS_ERR_UNKNOWN_QUERY(m.query), m.id);
  if ((m.patientId === undefined) === (m.departmentId === undefined)) {
    return session.error(AnalyticsErrors.ANALYTICS_ERR_WS_PROTOCOL('name exactly one of patientId and departmentId'), m.id);
  }
  const kind = m.patientId !== undefined ? 'patient' : 'department';
  const id = (m.patientId ?? m.departmentId) as string;
  if (kind === 'patient' && query.group !== 'patient')
    return session.error(AnalyticsErrors.ANALYTICS_ERR_QUERY_GROUP(query.id, query.group, kind), m.id);
  const customerId = await deps.reader.customerOf(kind, id);
  if (session.closed) return;
  // Another customer's patient or department is answered as if it did not exist.
  if (customerId === undefined || !inScope(scopeOf(principal), customerId))
    return session.error(CloudErrors.CLOUD_ERR_NOT_FOUND(kind, id), m.id);
  if (session.subscriptions.has(m.id))
    return session.error(AnalyticsErrors.ANALYTICS_ERR_WS_PROTOCOL(`subscription ${m.id} exists`), m.id);
  const target: SubscriptionTarget = { kind, id, customerId };
  const columns = columnsOf(query);
  const sub: HubSubscription = {
    query,
    target,
    metrics: m.metrics ? new Set(m.metrics) : undefined,
    deliver: (row) => session.send({ type: 'row', subscription: m.id, row: rowCells(columns, row) }),
    gap: (reason) => session.send({ type: 'gap', reason }),
  };
  session.send({
    type: 'header',
    subscription: m.id,
    query: { id: query.id, group: query.group, window: query.definition.window, emit: query.emit },
    target: { kind, id },
    columns,
  });
  session.subscriptions.set(m.id, sub);
  deps.hub.add(sub);
  deps.metrics.wsSubscriptions.inc();
}

async function onUnsubscribe(session: StreamSession, m: Extract<ClientMessage, { type: 'unsubscribe' }>): Promise<void> {
  const sub = session.subscriptions.get(m.id);
  if (!sub) return session.error(AnalyticsErrors.ANALYTICS_ERR_WS_PROTOCOL(`no subscription ${m.id}`), m.id);
  session.subscriptions.delete(m.id);
  session.deps.hub.remove(sub);
  session.deps.metrics.wsSubscriptions.dec();
  session.send({ type: 'unsubscribed', subscription: m.id });
}

/** Handles one text frame. */
export async function route(session: StreamSession, text: string): Promise<void> {
  const parsed = parseClientMessage(text);
  if (!parsed.ok) return session.error(AnalyticsErrors.ANALYTICS_ERR_WS_PROTOCOL(parsed.problem));
  const m = parsed.message;
  try {
    switch (m.type) {
      case 'auth':
        return await onAuth(session, m);
      case 'subscribe':
        return await onSubscribe(session, m);
      case 'unsubscribe':
        return await onUnsubscribe(session, m);
    }
  } catch (err) {
    const e = asTyped(err);
    if (e.statusCode >= 500) session.log.error({ err }, 'websocket message failed');
    session.error(e, m.type === 'auth' ? undefined : m.id);
  }
}
