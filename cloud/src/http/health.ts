/**
 * `/healthz` (liveness: the process serves requests) and `/readyz` (readiness: every dependency answers within
 * the deadline; 503 listing what is down otherwise). Checks are injected, so each service names its own.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PUBLIC } from '../auth/access.js';

export type HealthCheck = () => Promise<void>;

export interface HealthPluginOptions {
  readonly checks: Readonly<Record<string, HealthCheck>>;
  readonly timeoutMs: number;
  /** Called with each check's result (e.g. to update a dependency gauge). */
  readonly onResult?: (name: string, up: boolean) => void;
  /** Extra facts for the readiness body (breaker states). */
  readonly describe?: () => Record<string, string>;
}

const CheckResult = Type.Object(
  { status: Type.Union([Type.Literal('up'), Type.Literal('down')]), error: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const ReadyBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]),
    checks: Type.Record(Type.String(), CheckResult),
    breakers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

async function within(check: HealthCheck, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function plugin(app: FastifyInstance, o: HealthPluginOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { access: PUBLIC },
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: PUBLIC },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: PostgreSQL and Kafka reachable',
        security: [],
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (_req, reply) => {
      const entries = await Promise.all(
        Object.entries(o.checks).map(async ([name, check]) => {
          try {
            await within(check, o.timeoutMs);
            o.onResult?.(name, true);
            return [name, { status: 'up' as const }] as const;
          } catch (err) {
            o.onResult?.(name, false);
            return [name, { status: 'down' as const, error: (err as Error).message }] as const;
          }
        }),
      );
      const ready = entries.every(([, r]) => r.status === 'up');
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not-ready',
        checks: Object.fromEntries(entries),
        ...(o.describe ? { breakers: o.describe() } : {}),
      });
    },
  );
}

export const healthPlugin = fp(plugin, { name: 'vitals-health', fastify: '5.x' });
