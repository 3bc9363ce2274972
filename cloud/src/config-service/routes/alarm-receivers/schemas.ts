/** Request and response schemas of `/v1/alarm-receivers` (limits from migration V9). */
import { Type } from '@sinclair/typebox';
import { Nullable, Representation, Uuid } from '../../../storage/schemas/common.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:-]+$', description: 'Host name or IP address' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Hl7Name = Type.String({
  maxLength: 180,
  pattern: '^[^|^~\\\\&\\r\\n]*$',
  description: 'Sent as is in MSH: no HL7 delimiters',
});

export const AlarmReceiver = Representation('AlarmReceiver', {
  id: Uuid,
  customerId: Uuid,
  departmentId: Nullable(Uuid),
  name: Name,
  host: Type.String(),
  port: Port,
  receivingApplication: Type.String(),
  receivingFacility: Type.String(),
  enabled: Type.Boolean(),
});

export const CreateAlarmReceiver = Type.Object(
  {
    customerId: Type.Optional(Uuid),
    departmentId: Type.Optional(Nullable(Uuid)),
    name: Name,
    host: Host,
    port: Port,
    receivingApplication: Type.Optional(Hl7Name),
    receivingFacility: Type.Optional(Hl7Name),
    enabled: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description: 'A receiver of the alarms of one department (departmentId) or of every department of the customer (none)',
  },
);

export const PatchAlarmReceiver = Type.Object(
  {
    name: Type.Optional(Name),
    host: Type.Optional(Host),
    port: Type.Optional(Port),
    receivingApplication: Type.Optional(Hl7Name),
    receivingFacility: Type.Optional(Hl7Name),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AlarmReceiverFilters = { departmentId: Type.Optional(Uuid), enabled: Type.Optional(Type.Boolean()) };
