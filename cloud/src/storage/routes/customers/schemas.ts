import { Type } from '@sinclair/typebox';
import { Representation, Uuid } from '../../schemas/common.js';

const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'URL-safe short name, unique' });
const NamePolicy = Type.Union([Type.Literal('full'), Type.Literal('initials'), Type.Literal('none')], {
  description: 'How gateways and dashboards may show patient names',
});
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const Customer = Representation('Customer', { id: Uuid, name: Name, slug: Slug, patientNamePolicy: NamePolicy });
export const CreateCustomer = Type.Object(
  { name: Name, slug: Slug, patientNamePolicy: Type.Optional(NamePolicy) },
  { additionalProperties: false },
);
export const PatchCustomer = Type.Object(
  { name: Type.Optional(Name), patientNamePolicy: Type.Optional(NamePolicy) },
  { additionalProperties: false, minProperties: 1 },
);
export const CustomerFilters = { slug: Type.Optional(Slug) };
