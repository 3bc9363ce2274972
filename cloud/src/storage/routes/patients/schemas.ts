import { Type } from '@sinclair/typebox';
import { Nullable, Representation, Timestamp, Uuid } from '../../schemas/common.js';

const Mrn = Type.String({ minLength: 1, maxLength: 64, description: 'Medical record number, unique among live patients' });
const PersonName = Type.String({ minLength: 1, maxLength: 200 });
const BirthDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

export const Patient = Representation('Patient', {
  id: Uuid,
  customerId: Uuid,
  mrn: Mrn,
  givenName: Nullable(PersonName),
  familyName: Nullable(PersonName),
  birthDate: Nullable(BirthDate),
  deletedAt: Nullable(Timestamp),
});
export const CreatePatient = Type.Object(
  {
    customerId: Type.Optional(Uuid),
    mrn: Mrn,
    givenName: Type.Optional(Nullable(PersonName)),
    familyName: Type.Optional(Nullable(PersonName)),
    birthDate: Type.Optional(Nullable(BirthDate)),
  },
  { additionalProperties: false },
);
export const PatchPatient = Type.Object(
  {
    mrn: Type.Optional(Mrn),
    givenName: Type.Optional(Nullable(PersonName)),
    familyName: Type.Optional(Nullable(PersonName)),
    birthDate: Type.Optional(Nullable(BirthDate)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const PatientFilters = { mrn: Type.Optional(Mrn) };
