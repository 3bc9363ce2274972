/**
 * The WebSocket protocol of `/v1/stream` (docs/analytics.md): client messages as TypeBox schemas (validated on
 * arrival), server messages as types. JSON text frames, one message each.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MetricCodeSchema, createValidator } from '@vitals/shared';

const SubscriptionId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'Chosen by the client; names the subscription in every reply',
});
const Id = Type.String({ format: 'uuid' });

export const AuthMessage = Type.Object(
  {
    type: Type.Literal('auth'),
    token: Type.String({ minLength: 16, maxLength: 4096, description: 'API key or JWT, as in a Bearer header' }),
  },
  { additionalProperties: false },
);

export const SubscribeMessage = Type.Object(
  {
    type: Type.Literal('subscribe'),
    id: SubscriptionId,
    query: Type.String({ maxLength: 63, description: 'Query id (GET /v1/analytics/queries)' }),
    patientId: Type.Optional(Id),
    departmentId: Type.Optional(Id),
    metrics: Type.Optional(Type.Array(MetricCodeSchema, { minItems: 1, uniqueItems: true, description: 'Only these metrics' })),
  },
  { additionalProperties: false },
);

export const UnsubscribeMessage = Type.Object(
  { type: Type.Literal('unsubscribe'), id: SubscriptionId },
  { additionalProperties: false },
);

export const ClientMessage = Type.Union([AuthMessage, SubscribeMessage, UnsubscribeMessage]);
export type ClientMessage = Static<typeof ClientMessage>;
export type SubscribeMessage = Static<typeof SubscribeMessage>;

const validators = {
  auth: createValidator(AuthMessage),
  subscribe: createValidator(SubscribeMessage),
  unsubscribe: createValidator(UnsubscribeMessage),
};

/** A client frame into a message, or the problem with it. */
export function parseClientMessage(text: string): { ok: true; message: ClientMessage } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (type !== 'auth' && type !== 'subscribe' && type !== 'unsubscribe') {
    return { ok: false, problem: 'type must be auth, subscribe or unsubscribe' };
  }
  const v = validators[type];
  if (!v.check(value)) return { ok: false, problem: v.problems(value, 3).join('; ') };
  return { ok: true, message: value as ClientMessage };
}

/** Close codes the server uses (4xxx: application codes, RFC 6455 section 7.4.2). */
export const CLOSE = Object.freeze({
  unauthenticated: 4401,
  forbidden: 4403,
  slowConsumer: 4008,
  goingAway: 1001,
  internal: 1011,
});

export type ServerMessage =
  | { type: 'ready'; role: string; customerId: string | null }
  | {
      type: 'header';
      subscription: string;
      query: { id: string; group: string; window: unknown; emit: string };
      target: { kind: string; id: string };
      columns: string[];
    }
  | { type: 'row'; subscription: string; row: Array<string | number | boolean | null> }
  | { type: 'unsubscribed'; subscription: string }
  | { type: 'gap'; reason: string }
  | { type: 'error'; code: string; message: string; subscription?: string };
