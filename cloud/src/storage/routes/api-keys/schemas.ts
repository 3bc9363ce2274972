import { Type } from '@sinclair/typebox';
import { RoleSchema } from '../../../auth/roles.js';
import { GatewayId, Nullable, Representation, Timestamp, Uuid } from '../../schemas/common.js';

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'What the key is for, e.g. "ward dashboard"' });

export const ApiKey = Representation('ApiKey', {
  id: Uuid,
  customerId: Nullable(Uuid),
  role: RoleSchema,
  gatewayId: Nullable(GatewayId),
  name: Name,
  keyHint: Type.String({ description: 'First characters of the key, to recognise it' }),
  expiresAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
  createdBy: Type.String(),
});
export const CreateApiKey = Type.Object(
  {
    name: Name,
    role: RoleSchema,
    customerId: Type.Optional(Uuid),
    gatewayId: Type.Optional(GatewayId),
    expiresAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export const ApiKeyWithToken = Type.Object(
  { apiKey: ApiKey, token: Type.String({ description: 'The key; shown only in this response, store it now' }) },
  { additionalProperties: false },
);
export const ApiKeyFilters = { role: Type.Optional(RoleSchema) };
