/**
 * `GET /api/config`: the configuration the gateway runs (version, when applied, the ward's beds with patients and
 * devices, the alarm rules, device settings) and the state of the config sync (broker, connected, last receipt,
 * last rejection), for the nurses' view and for operators.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ConfigViewSchema = Type.Object(
  {
    version: Type.Integer({ description: '0: no document applied yet (catalog default thresholds)' }),
    appliedAt: Nullable(Type.String()),
    issuedAt: Nullable(Type.String()),
    departmentId: Nullable(Type.String()),
    patientNamePolicy: Nullable(Type.String()),
    beds: Type.Array(Type.Unknown()),
    thresholds: Type.Array(Type.Unknown()),
    deviceSettings: Type.Array(Type.Unknown()),
    sync: Type.Object({
      enabled: Type.Boolean(),
      url: Nullable(Type.String()),
      connected: Type.Boolean(),
      lastError: Nullable(Type.String()),
      lastReceivedAt: Nullable(Type.String()),
      lastRejection: Nullable(Type.Object({ version: Type.Integer(), reason: Type.String(), at: Type.String() })),
    }),
  },
  { additionalProperties: false },
);
export type ConfigView = Static<typeof ConfigViewSchema>;

export const configRoutes: FastifyPluginAsync<{ view: () => ConfigView }> = async (app, opts) => {
  app.get('/api/config', { schema: { response: { 200: ConfigViewSchema } } }, async () => opts.view());
};
