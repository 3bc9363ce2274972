/** The reference docs stay true for the configuration service: error codes, settings, and docs/config-api.md. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configServiceSettings } from './config.js';
import { ConfigServiceErrors } from './errors.js';
import { configOpenApi, renderConfigApiMarkdown } from './http-api-doc.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs');
const section = async (file: string) => {
  const text = await readFile(path.join(docs, file), 'utf8');
  const start = text.indexOf('## Configuration service');
  expect(start, `${file} has a "Configuration service" section`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
};

describe('configuration service docs', () => {
  it('errors.md lists every CONFIG_ERR_ code with its HTTP status and retriable flag', async () => {
    const text = await section('errors.md');
    for (const [code, factory] of Object.entries(ConfigServiceErrors)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      const [, , status, retriable] = row!.split('|').map((c) => c.trim());
      expect([code, status]).toEqual([code, String(factory.definition.status ?? '')]);
      expect([code, retriable]).toEqual([code, factory.definition.retriable ? 'yes' : 'no']);
    }
  });

  it('configuration.md lists every CONFIG_ variable with its default', async () => {
    const text = await section('configuration.md');
    for (const s of Object.values(configServiceSettings)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${s.env}\` |`));
      expect(row, s.env).toBeDefined();
      expect([s.env, row!.split('|')[2]!.trim()]).toEqual([s.env, s.default === '' ? '(empty)' : `\`${s.default}\``]);
    }
  });

  it('config-api.md is the text generated from the routes (run `npx tsx cloud/src/cli/config-service-api-doc.ts`)', async () => {
    expect(await readFile(path.join(docs, 'config-api.md'), 'utf8')).toBe(renderConfigApiMarkdown(await configOpenApi()));
  });
});
