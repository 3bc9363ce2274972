/** Offset pagination of list endpoints: `?limit=&offset=`, answered as `{ items, total, limit, offset }`. */
import { Type, type TSchema } from '@sinclair/typebox';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export const PageQueryProperties = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `Page size (default ${DEFAULT_LIMIT})` })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Items to skip (default 0)' })),
};

export interface Page {
  readonly limit: number;
  readonly offset: number;
}

export function pageOf(q: { limit?: number; offset?: number }): Page {
  return { limit: q.limit ?? DEFAULT_LIMIT, offset: q.offset ?? 0 };
}

export function PageSchema<T extends TSchema>(item: T) {
  return Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ minimum: 0, description: 'Items matching the filters, over all pages' }),
      limit: Type.Integer(),
      offset: Type.Integer(),
    },
    { additionalProperties: false },
  );
}
