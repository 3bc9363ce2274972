/** Schemas every storage route uses: ids, timestamps, list queries, the If-Match header, representation metadata. */
import { FormatRegistry, Type, type TProperties } from '@sinclair/typebox';
import { DEVICE_ID_PATTERN, GATEWAY_ID_PATTERN } from '@vitals/shared';

if (!FormatRegistry.Has('date')) {
  FormatRegistry.Set('date', (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)));
}

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });
export const DeviceId = Type.String({ pattern: DEVICE_ID_PATTERN, description: 'Device id as the monitor sends it' });
export const GatewayId = Type.String({ pattern: GATEWAY_ID_PATTERN, description: 'Gateway id' });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** createdAt, updatedAt, version (the ETag's value). */
export const MetaProperties = {
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer({ minimum: 1, description: 'Row version; the ETag is its quoted value' }),
};

export function Representation<P extends TProperties>(name: string, props: P) {
  return Type.Object({ ...props, ...MetaProperties }, { additionalProperties: false, description: name });
}

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'ETag from a GET; a stale one answers 412' })),
});

export const CustomerFilter = {
  customerId: Type.Optional(Type.String({ format: 'uuid', description: 'Platform admins: one customer only' })),
};
