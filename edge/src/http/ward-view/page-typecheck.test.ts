/**
 * The page's browser code (`edge/web/`, DOM types) is outside the root typecheck (the DOM library would change the
 * types of the Node code); this runs the compiler on its own tsconfig, so `npm test` catches its type errors.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { typeErrors } from '@vitals/stack/testing/typecheck';

describe("nurses' station page sources", () => {
  it('typecheck against their own tsconfig (DOM, Preact JSX)', () => {
    const tsconfig = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/tsconfig.json');
    expect(typeErrors(tsconfig)).toEqual([]);
  }, 60_000);
});
