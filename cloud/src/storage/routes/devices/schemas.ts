import { Type } from '@sinclair/typebox';
import { DeviceId, Nullable, Representation, Timestamp, Uuid } from '../../schemas/common.js';

const Model = Type.String({ minLength: 1, maxLength: 100 });
const Serial = Type.String({ minLength: 1, maxLength: 100 });

export const Device = Representation('Device', {
  id: DeviceId,
  customerId: Uuid,
  model: Model,
  serialNumber: Nullable(Serial),
  deletedAt: Nullable(Timestamp),
});
export const CreateDevice = Type.Object(
  { id: DeviceId, customerId: Type.Optional(Uuid), model: Type.Optional(Model), serialNumber: Type.Optional(Nullable(Serial)) },
  { additionalProperties: false },
);
export const PatchDevice = Type.Object(
  { model: Type.Optional(Model), serialNumber: Type.Optional(Nullable(Serial)) },
  { additionalProperties: false, minProperties: 1 },
);
export const DeviceFilters = { model: Type.Optional(Model) };
