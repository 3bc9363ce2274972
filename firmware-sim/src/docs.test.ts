/** docs/errors.md and docs/configuration.md list every error code and environment variable of the simulator. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simSettings } from './config.js';
import { SimErrors } from './errors.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');

describe('simulator reference docs', () => {
  it('list every SIM_ERR_ code with its HTTP status and retriable flag', async () => {
    const text = await readFile(path.join(docs, 'errors.md'), 'utf8');
    for (const [code, f] of Object.entries(SimErrors)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      const [, , http, retriable] = row!.split('|').map((c) => c.trim());
      expect(http, code).toBe(f.definition.status === undefined ? '' : String(f.definition.status));
      expect(retriable, code).toBe(f.definition.retriable ? 'yes' : 'no');
    }
  });

  it('list every SIM_* variable with its default', async () => {
    const text = await readFile(path.join(docs, 'configuration.md'), 'utf8');
    for (const s of Object.values(simSettings)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${s.env}\` |`));
      expect(row, s.env).toBeDefined();
      const def = row!.split('|')[2]!.trim();
      expect(def, s.env).toBe(s.default === '' ? '(empty)' : `\`${s.default}\``);
    }
  });
});
