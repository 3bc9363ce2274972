/**
 * `GET /api/alarms`: the active local alarms (device, bed, patient as the name policy allows, metric, priority,
 * since, acknowledged) for the nurses' station, highest priority first. `POST /api/alarms/:id/ack` acknowledges
 * one (optional body `{ "by": "<who>" }`), logged with who and when; 404 when it is not active (any more).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { EdgeErrors } from '../../errors.js';
import type { ActiveAlarmView, LocalState } from '../../local-state.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const AlarmSchema = Type.Object(
  {
    id: Type.String(),
    deviceId: Type.String(),
    bedId: Nullable(Type.String()),
    bedLabel: Nullable(Type.String()),
    patientId: Nullable(Type.String()),
    patientDisplayName: Nullable(Type.String()),
    metric: Type.String(),
    priority: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
    side: Type.Union([Type.Literal('low'), Type.Literal('high')]),
    limit: Nullable(Type.Number()),
    value: Type.Number(),
    since: Type.String(),
    updatedAt: Type.String(),
    acknowledged: Type.Boolean(),
    acknowledgedAt: Nullable(Type.String()),
    acknowledgedBy: Nullable(Type.String()),
    configVersion: Type.Integer(),
  },
  { additionalProperties: false },
);

const AlarmsSchema = Type.Object(
  { configVersion: Type.Integer(), alarms: Type.Array(AlarmSchema) },
  { additionalProperties: false },
);

const ErrorSchema = Type.Object({ statusCode: Type.Integer(), code: Type.String(), message: Type.String() });

export interface AlarmRoutesOptions {
  readonly state: LocalState;
  readonly acknowledge: (id: string, actor: string | null) => ActiveAlarmView | undefined;
  readonly configVersion: () => number;
}

export const alarmRoutes: FastifyPluginAsync<AlarmRoutesOptions> = async (app, opts) => {
  app.get('/api/alarms', { schema: { response: { 200: AlarmsSchema } } }, async () => ({
    configVersion: opts.configVersion(),
    alarms: opts.state.activeAlarms(),
  }));

  app.post(
    '/api/alarms/:id/ack',
    {
      schema: {
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: Type.Object({ by: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: AlarmSchema, 404: ErrorSchema },
      },
      // The body is optional: a POST without one acknowledges anonymously.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const by = (req.body as { by?: string } | undefined)?.by ?? null;
      const alarm = opts.acknowledge(id, by);
      if (!alarm) {
        const err = EdgeErrors.EDGE_ERR_ALARM_NOT_FOUND(id);
        return reply.code(404).send({ statusCode: 404, code: err.code, message: err.message });
      }
      return alarm;
    },
  );
};
