/** Schemas of the gateway configuration routes: documents (the shared schema), versions, status, acknowledgements. */
import { Type } from '@sinclair/typebox';
import { GatewayConfigDocumentSchema } from '@vitals/shared';
import { withoutIds } from '../../../http/schema-utils.js';
import { GatewayId, Nullable, Timestamp, Uuid } from '../../../storage/schemas/common.js';

export const ConfigDocument = withoutIds(GatewayConfigDocumentSchema);

const Status = Nullable(Type.Union([Type.Literal('applied'), Type.Literal('rejected')]));

export const ConfigStatus = Type.Object(
  {
    gatewayId: GatewayId,
    customerId: Uuid,
    departmentId: Uuid,
    desiredVersion: Type.Integer({ description: 'Newest version issued (0: none yet)' }),
    desiredAt: Nullable(Timestamp),
    reportedVersion: Type.Integer({ description: 'Newest version the gateway acknowledged (applied or rejected)' }),
    reportedStatus: Status,
    reportedReason: Nullable(Type.String({ description: 'Why the gateway rejected the reported version' })),
    reportedAt: Nullable(Timestamp),
    appliedVersion: Type.Integer({ description: 'Version the gateway says it runs' }),
    publishedVersion: Type.Integer({ description: 'Newest version handed to the MQTT broker (retained)' }),
    publishedAt: Nullable(Timestamp),
    lastSeenAt: Nullable(Timestamp),
    connected: Nullable(Type.Boolean({ description: 'Connected to the embedded broker now (null: external broker)' })),
    inSync: Type.Boolean({ description: 'The gateway acknowledged the desired version as applied' }),
    buildError: Nullable(Type.String({ description: 'Why the newest inputs give no valid document (previous version kept)' })),
    buildErrorAt: Nullable(Timestamp),
  },
  { additionalProperties: false, description: 'ConfigStatus: desired versus reported state of a gateway' },
);

export const ConfigVersion = Type.Object(
  {
    version: Type.Integer(),
    createdAt: Timestamp,
    createdBy: Nullable(Type.String()),
    cause: Nullable(Type.String()),
    contentHash: Nullable(Type.String()),
  },
  { additionalProperties: false, description: 'ConfigVersion' },
);

export const ConfigAckEntry = Type.Object(
  {
    version: Type.Integer(),
    status: Type.Union([Type.Literal('applied'), Type.Literal('rejected')]),
    reason: Nullable(Type.String()),
    appliedVersion: Nullable(Type.Integer()),
    superseded: Type.Boolean({ description: 'Did not change the reported state (older than it, or never issued)' }),
    receivedAt: Timestamp,
  },
  { additionalProperties: false, description: 'ConfigAckEntry' },
);

export const GatewayParams = Type.Object({ gatewayId: GatewayId });
export const VersionParams = Type.Object({ gatewayId: GatewayId, version: Type.Integer({ minimum: 1 }) });
