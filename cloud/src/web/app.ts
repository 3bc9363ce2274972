/**
 * The web service as one fastify plugin: the dashboard and admin portal (HTML shell + one bundle), the session
 * and active-alert routes the pages need beyond the APIs, health, and the same-origin proxy to the storage,
 * analytics and configuration services. Everything it talks to arrives in `deps`.
 */
import { Type } from '@sinclair/typebox';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PUBLIC, allow } from '../auth/access.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authPlugin, principalOf, scopeOfRequest } from '../auth/plugin.js';
import { ROLE_SETS } from '../auth/roles.js';
import { errorHandlerPlugin } from '../http/error-handler.js';
import { healthPlugin } from '../http/health.js';
import type { Logger } from '../logging.js';
import type { AlertFollower } from './alerts/alert-follower.js';
import type { PageBundle } from '@vitals/shared/page-bundle';
import { PAGE_HEADERS, pageHtml, unavailableHtml } from './page.js';
import { proxyRoutes, type Upstream } from './proxy.js';

export interface WebDeps {
  readonly authenticator: Authenticator;
  readonly bundle: Promise<PageBundle | { error: string }>;
  readonly alerts: AlertFollower | undefined;
  readonly upstreams: readonly Upstream[];
  readonly upstreamTimeoutMs: number;
  readonly upstreamCa?: Buffer;
  readonly log: Logger;
}

const Uuid = Type.String({ format: 'uuid' });

const SessionBody = Type.Object(
  {
    kind: Type.String(),
    id: Type.String(),
    role: Type.String(),
    customerId: Type.Union([Uuid, Type.Null()]),
  },
  { additionalProperties: false },
);

const AlertBody = Type.Object(
  {
    alertId: Type.String(),
    category: Type.String(),
    patientId: Uuid,
    departmentId: Uuid,
    bedId: Uuid,
    deviceId: Type.String(),
    metric: Type.Union([Type.String(), Type.Null()]),
    condition: Type.String(),
    priority: Type.String(),
    value: Type.Union([Type.Number(), Type.Null()]),
    since: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);

async function webApp(app: FastifyInstance, { deps }: { deps: WebDeps }): Promise<void> {
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  await app.register(errorHandlerPlugin);
  await app.register(authPlugin, { authenticator: deps.authenticator });
  await app.register(healthPlugin, {
    checks: {
      bundle: async () => {
        const b = await deps.bundle;
        if ('error' in b) throw new Error(b.error);
      },
    },
    timeoutMs: 5_000,
    describe: () => ({ alerts: deps.alerts?.state() ?? 'disabled' }),
  });

  app.get('/', { config: { access: PUBLIC }, schema: { hide: true } }, async (_req, reply) => {
    const b = await deps.bundle;
    reply.headers(PAGE_HEADERS).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    if ('error' in b) return reply.code(503).send(unavailableHtml(b.error));
    return reply.send(pageHtml(b.hash));
  });

  app.get('/assets/:file', { config: { access: PUBLIC }, schema: { hide: true } }, async (req, reply) => {
    const { file } = req.params as { file: string };
    const b = await deps.bundle;
    const m = /^app\.([0-9a-f]+)\.(js|css)$/.exec(file);
    if ('error' in b || !m || m[1] !== b.hash) return reply.code(404).send({ error: 'not found' });
    return reply
      .headers(PAGE_HEADERS)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(m[2] === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      .send(m[2] === 'js' ? b.js : b.css);
  });

  app.get(
    '/api/web/session',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: { summary: 'Who the credentials belong to (the pages log in with it)', response: { 200: SessionBody } },
    },
    async (req) => {
      const p = principalOf(req);
      return { kind: p.kind, id: p.id, role: p.role, customerId: p.customerId };
    },
  );

  app.get(
    '/api/web/alerts',
    {
      config: { access: allow(ROLE_SETS.readers) },
      schema: {
        summary: "Active alerts of the caller's customer (from the alerts topic), highest priority first",
        querystring: Type.Object(
          { departmentId: Type.Optional(Uuid), patientId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { available: Type.Boolean(), state: Type.String(), alerts: Type.Array(AlertBody) },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (req) => {
      const scope = scopeOfRequest(req);
      const q = req.query as { departmentId?: string; patientId?: string };
      const f = deps.alerts;
      if (!f) return { available: false, state: 'disabled', alerts: [] };
      const list = f.alerts.list({
        customerId: scope.all ? null : scope.customerId,
        ...(q.departmentId ? { departmentId: q.departmentId } : {}),
        ...(q.patientId ? { patientId: q.patientId } : {}),
      });
      return {
        available: f.state() === 'running',
        state: f.state(),
        alerts: list.map(({ customerId: _c, lastKind: _k, ...a }) => a),
      };
    },
  );

  await app.register(proxyRoutes, {
    upstreams: deps.upstreams,
    timeoutMs: deps.upstreamTimeoutMs,
    log: deps.log,
    ...(deps.upstreamCa ? { ca: deps.upstreamCa } : {}),
  });
}

export default fp(webApp, { name: 'vitals-web', fastify: '5.x' });
