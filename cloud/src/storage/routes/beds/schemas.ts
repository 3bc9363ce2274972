import { Type } from '@sinclair/typebox';
import { Representation, Uuid } from '../../schemas/common.js';

const Label = Type.String({ minLength: 1, maxLength: 64, description: 'Unique within the department' });

export const Bed = Representation('Bed', { id: Uuid, customerId: Uuid, departmentId: Uuid, label: Label });
export const CreateBed = Type.Object(
  { customerId: Type.Optional(Uuid), departmentId: Uuid, label: Label },
  { additionalProperties: false },
);
export const PatchBed = Type.Object(
  { departmentId: Type.Optional(Uuid), label: Type.Optional(Label) },
  { additionalProperties: false, minProperties: 1 },
);
export const BedFilters = { departmentId: Type.Optional(Uuid), label: Type.Optional(Label) };
