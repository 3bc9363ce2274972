/** Request and response schemas of `/v1/device-settings` (limits from the shared `DeviceSettingsSchema`). */
import { Type } from '@sinclair/typebox';
import { DeviceId, Nullable, Representation, Uuid } from '../../../storage/schemas/common.js';

const Model = Type.String({ minLength: 1, maxLength: 100 });
const Sampling = Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'Sampling interval in milliseconds' });
const Units = Type.Record(Type.String({ minLength: 1, maxLength: 32 }), Type.String({ minLength: 1, maxLength: 32 }), {
  description: 'metric code -> unit the device should send (a spelling the catalog knows for that metric)',
});

export const DeviceSettings = Representation('DeviceSettings', {
  id: Uuid,
  customerId: Uuid,
  deviceId: Nullable(DeviceId),
  model: Nullable(Model),
  samplingIntervalMs: Sampling,
  alarmsEnabled: Type.Boolean(),
  units: Type.Record(Type.String(), Type.String()),
});

export const CreateDeviceSettings = Type.Object(
  {
    customerId: Type.Optional(Uuid),
    deviceId: Type.Optional(DeviceId),
    model: Type.Optional(Model),
    samplingIntervalMs: Type.Optional(Sampling),
    alarmsEnabled: Type.Optional(Type.Boolean()),
    units: Type.Optional(Units),
  },
  { additionalProperties: false, description: 'Settings of one device (deviceId) or of every device of a model (model)' },
);

export const PatchDeviceSettings = Type.Object(
  { samplingIntervalMs: Type.Optional(Sampling), alarmsEnabled: Type.Optional(Type.Boolean()), units: Type.Optional(Units) },
  { additionalProperties: false, minProperties: 1 },
);

export const DeviceSettingsFilters = { deviceId: Type.Optional(DeviceId), model: Type.Optional(Model) };
