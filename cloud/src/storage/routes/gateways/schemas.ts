import { Type } from '@sinclair/typebox';
import { GatewayId, Nullable, Representation, Timestamp, Uuid } from '../../schemas/common.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });

export const Gateway = Representation('Gateway', {
  id: GatewayId,
  customerId: Uuid,
  departmentId: Uuid,
  name: Name,
  tokenRotatedAt: Timestamp,
  lastSeenAt: Type.Union([Timestamp, Type.Null()], {
    description: 'When the gateway last sent readings (refreshed at most every 30 s); null if it never has',
  }),
  deletedAt: Nullable(Timestamp),
});
export const GatewayWithToken = Type.Object(
  {
    gateway: Gateway,
    token: Type.String({ description: 'Bearer token of the gateway; shown only in this response, store it now' }),
  },
  { additionalProperties: false },
);
export const CreateGateway = Type.Object(
  { id: GatewayId, customerId: Type.Optional(Uuid), departmentId: Uuid, name: Name },
  { additionalProperties: false },
);
export const PatchGateway = Type.Object(
  { departmentId: Type.Optional(Uuid), name: Type.Optional(Name) },
  { additionalProperties: false, minProperties: 1 },
);
export const GatewayFilters = { departmentId: Type.Optional(Uuid) };
