import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { pageUrl, searchsetBundle } from './bundle.js';

describe('searchset bundles and their page links', () => {
  it('have self and next links and a fullUrl per entry', () => {
    const b = searchsetBundle({
      base: 'https://h/fhir/r4',
      selfUrl: 'https://h/fhir/r4/Patient',
      nextUrl: 'https://h/fhir/r4/Patient?_cursor=x',
      resources: [{ resourceType: 'Patient', id: 'p1' }],
    });
    expect(b).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: 'https://h/fhir/r4/Patient' },
        { relation: 'next', url: 'https://h/fhir/r4/Patient?_cursor=x' },
      ],
      entry: [
        { fullUrl: 'https://h/fhir/r4/Patient/p1', resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'match' } },
      ],
    });
    expect(searchsetBundle({ base: 'b', selfUrl: 's', resources: [] }).link).toEqual([{ relation: 'self', url: 's' }]);
  });

  it('keep every parameter (repeated ones too) and replace the cursor', () => {
    const q = new URLSearchParams('patient=p&date=ge2025&date=le2026&_cursor=old');
    expect(pageUrl('https://h/fhir/r4', '/Observation', q, 'new')).toBe(
      'https://h/fhir/r4/Observation?patient=p&date=ge2025&date=le2026&_cursor=new',
    );
    expect(pageUrl('b', '/Observation', new URLSearchParams(''), undefined)).toBe('b/Observation');
  });

  it('cursors round-trip and refuse anything else', () => {
    const c = { at: '2025-03-01T10:00:00.123456Z', id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of [
      '',
      'x',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["2025","not-a-uuid"]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad), bad).toThrow(/_cursor/);
    }
  });
});
