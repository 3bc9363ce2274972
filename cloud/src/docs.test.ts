/** The reference docs stay true: every cloud error code and setting is listed, and docs/http-api.md is current. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cloudCommonSettings, storageSettings } from './config.js';
import { CloudErrors } from './errors.js';
import { renderHttpApiMarkdown, storageOpenApi } from './storage/http-api-doc.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
const read = (name: string) => readFile(path.join(docs, name), 'utf8');

describe('docs', () => {
  it('errors.md lists every CLOUD_ERR_ code with its HTTP status and retriable flag', async () => {
    const text = await read('errors.md');
    for (const [code, factory] of Object.entries(CloudErrors)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      const [, , status, retriable] = row!.split('|').map((c) => c.trim());
      expect(status, code).toBe(String(factory.definition.status ?? ''));
      expect(retriable, code).toBe(factory.definition.retriable ? 'yes' : 'no');
    }
  });

  it('configuration.md lists every variable of the cloud settings with its default', async () => {
    const text = await read('configuration.md');
    for (const s of Object.values({ ...cloudCommonSettings, ...storageSettings })) {
      const rows = text.split('\n').filter((l) => l.startsWith(`| \`${s.env}\` |`));
      expect(rows.length, s.env).toBeGreaterThan(0);
      const shown = s.default === '' ? '(empty)' : `\`${s.default}\``;
      expect(
        rows.some((r) => r.split('|')[2]?.trim() === shown),
        `${s.env} default ${shown}`,
      ).toBe(true);
    }
  });

  it('http-api.md is the text generated from the routes (run `npx tsx cloud/scripts/http-api-doc.ts`)', async () => {
    const expected = renderHttpApiMarkdown(await storageOpenApi());
    expect(await read('http-api.md')).toBe(expected);
  });
});
