/** docs/errors.md and docs/configuration.md list every edge error code and environment variable. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { edgeSettings } from './config.js';
import { EdgeErrors } from './errors.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');
const section = (file: string) => {
  const text = readFileSync(path.join(docs, file), 'utf8');
  const start = text.indexOf('## Edge gateway');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
};

describe('edge reference docs', () => {
  it('list every EDGE_ERR_ code with its retriable flag and HTTP status', () => {
    const text = section('errors.md');
    for (const [code, factory] of Object.entries(EdgeErrors)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      const [, , status, retriable] = row!.split('|').map((c) => c.trim());
      expect([code, status]).toEqual([code, factory.definition.status === undefined ? '' : String(factory.definition.status)]);
      expect([code, retriable]).toEqual([code, factory.definition.retriable ? 'yes' : 'no']);
    }
  });

  it('list every environment variable of the gateway with its default', () => {
    const text = section('configuration.md');
    for (const s of Object.values(edgeSettings)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${s.env}\` |`));
      expect(row, s.env).toBeDefined();
      const shown = row!.split('|')[2]!.trim();
      expect([s.env, shown]).toEqual([s.env, s.default === '' ? '(empty)' : `\`${s.default}\``]);
    }
  });
});
