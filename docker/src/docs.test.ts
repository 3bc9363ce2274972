/**
 * The reference docs stay true: every error code, environment variable and Kafka topic that the code declares
 * is listed in docs/, and nothing listed there is gone from the code.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CDC_TABLES, TOPICS, cdcTopic } from '@vitals/shared';
import { REPO_ROOT } from './config.js';

const PACKAGES = ['shared', 'docker', 'cloud', 'edge', 'firmware-sim'];

/** Every `<name>` module under a package's src (any depth): each package and service keeps its own. */
function modulesNamed(name: string): string[] {
  return PACKAGES.flatMap((pkg) =>
    (readdirSync(path.join(REPO_ROOT, pkg, 'src'), { recursive: true }) as string[])
      .filter((f) => path.basename(f) === name)
      .map((f) => path.join(REPO_ROOT, pkg, 'src', f)),
  );
}

async function exportsOf(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

function backticked(doc: string, pattern: RegExp): Set<string> {
  return new Set([...doc.matchAll(pattern)].map((m) => m[1]!));
}

async function declaredCodes(): Promise<Set<string>> {
  const codes = new Set<string>();
  for (const file of modulesNamed('errors.ts')) {
    for (const [name, value] of Object.entries(await exportsOf(file))) {
      if (!name.endsWith('Errors') || typeof value !== 'object' || value === null) continue;
      for (const factory of Object.values(value)) codes.add((factory as { code: string }).code);
    }
  }
  return codes;
}

async function declaredEnv(): Promise<Set<string>> {
  const vars = new Set<string>();
  for (const file of modulesNamed('config.ts')) {
    for (const [name, value] of Object.entries(await exportsOf(file))) {
      if (!name.endsWith('Settings') || typeof value !== 'object' || value === null) continue;
      for (const s of Object.values(value))
        if (s && typeof (s as { env?: unknown }).env === 'string') vars.add((s as { env: string }).env);
    }
  }
  return vars;
}

describe('docs/errors.md', () => {
  it('lists every error code of every package registry, and no code that is gone', async () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
    const listed = backticked(doc, /^\| `([A-Z0-9_]+)` \|/gm);
    const codes = await declaredCodes();
    expect(codes.size).toBeGreaterThan(0);
    expect([...codes].filter((c) => !listed.has(c))).toEqual([]);
    expect([...listed].filter((c) => !codes.has(c))).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  it('lists every environment variable every package reads, and none that is gone', async () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
    const listed = backticked(doc, /^\| `([A-Z0-9_]+)` \|/gm);
    const vars = await declaredEnv();
    expect(vars.size).toBeGreaterThan(0);
    expect([...vars].filter((v) => !listed.has(v))).toEqual([]);
    expect([...listed].filter((v) => !vars.has(v))).toEqual([]);
  });
});

describe('docs/topics.md', () => {
  it('documents every Kafka topic', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'topics.md'), 'utf8');
    const names = [...Object.values(TOPICS), ...CDC_TABLES.map((t) => cdcTopic(t))];
    expect(names.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  });
});
