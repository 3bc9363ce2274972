import { Type } from '@sinclair/typebox';
import { DeviceId, Nullable, Representation, Timestamp, Uuid } from '../../schemas/common.js';

export const Assignment = Representation('DeviceAssignment', {
  id: Uuid,
  customerId: Uuid,
  deviceId: DeviceId,
  patientId: Uuid,
  bedId: Uuid,
  validFrom: Timestamp,
  validTo: Nullable(Timestamp),
});
export const AssignBody = Type.Object(
  {
    customerId: Type.Optional(Uuid),
    deviceId: DeviceId,
    patientId: Uuid,
    bedId: Uuid,
    validFrom: Type.Optional(Timestamp),
    validTo: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false, description: 'validFrom defaults to now; validTo absent or null = open-ended' },
);
export const TransferBody = Type.Object(
  {
    bedId: Type.Optional(Uuid),
    patientId: Type.Optional(Uuid),
    deviceId: Type.Optional(DeviceId),
    at: Type.Optional(Timestamp),
  },
  { additionalProperties: false, description: 'What changes (at least one of bed, patient, device) and when (default now)' },
);
export const EndBody = Type.Object(
  { at: Type.Optional(Timestamp) },
  { additionalProperties: false, description: 'When the assignment ends (default now)' },
);
export const TransferResult = Type.Object({ ended: Assignment, started: Assignment }, { additionalProperties: false });
export const AssignmentFilters = {
  deviceId: Type.Optional(DeviceId),
  patientId: Type.Optional(Uuid),
  bedId: Type.Optional(Uuid),
  activeAt: Type.Optional(Type.String({ format: 'date-time', description: 'Only assignments in effect at this time' })),
};
