/**
 * Per-caller rate limiting (@fastify/rate-limit): the key is the authenticated principal (API key, JWT subject,
 * gateway), or the client address for a request without valid credentials. Public routes are not limited.
 * Answers 429 `CLOUD_ERR_RATE_LIMITED` with Retry-After. Register after the auth plugin and before the routes.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isPublic } from '../auth/access.js';
import { CloudErrors } from '../errors.js';

export interface RateLimitSettings {
  readonly max: number;
  readonly windowMs: number;
}

export function callerKey(req: FastifyRequest): string {
  const p = req.principal;
  return p ? `${p.kind}:${p.id}` : `ip:${req.ip}`;
}

export async function registerRateLimit(app: FastifyInstance, s: RateLimitSettings): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: s.max,
    timeWindow: s.windowMs,
    keyGenerator: callerKey,
    allowList: (req) => {
      const access = req.routeOptions.config.access;
      return access === undefined || isPublic(access);
    },
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(CloudErrors.CLOUD_ERR_RATE_LIMITED(ctx.max, `${s.windowMs} ms`, ctx.after), {
        retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
      }),
  });
}
