/** Search results as a FHIR `searchset` Bundle with `self` and (when there is more) `next` links. Pure. */
import type { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';

export interface SearchPage<R extends Resource> {
  /** Base URL of the API, e.g. `https://host/fhir/r4`. */
  readonly base: string;
  readonly selfUrl: string;
  readonly nextUrl?: string;
  readonly resources: readonly R[];
}

export function searchsetBundle<R extends Resource>(p: SearchPage<R>): Bundle<R> {
  const link: BundleLink[] = [{ relation: 'self', url: p.selfUrl }];
  if (p.nextUrl !== undefined) link.push({ relation: 'next', url: p.nextUrl });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link,
    entry: p.resources.map((resource) => ({
      fullUrl: `${p.base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** `path?query` with `_cursor` set to `cursor` (or removed), the other parameters kept in their order. */
export function pageUrl(base: string, path: string, query: URLSearchParams, cursor: string | undefined): string {
  const q = new URLSearchParams();
  for (const [k, v] of query) if (k !== '_cursor') q.append(k, v);
  if (cursor !== undefined) q.append('_cursor', cursor);
  const text = q.toString();
  return `${base}${path}${text === '' ? '' : `?${text}`}`;
}
