import { Type } from '@sinclair/typebox';
import { Representation, Uuid } from '../../schemas/common.js';

const Code = Type.String({ minLength: 1, maxLength: 64, description: 'Short code, unique per customer (e.g. ICU)' });
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const Department = Representation('Department', { id: Uuid, customerId: Uuid, code: Code, name: Name });
export const CreateDepartment = Type.Object(
  { customerId: Type.Optional(Uuid), code: Code, name: Name },
  { additionalProperties: false },
);
export const PatchDepartment = Type.Object(
  { code: Type.Optional(Code), name: Type.Optional(Name) },
  { additionalProperties: false, minProperties: 1 },
);
export const DepartmentFilters = { code: Type.Optional(Code) };
