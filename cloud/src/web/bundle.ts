/**
 * Builds the dashboard and admin portal from their source (`cloud/web/`) once, at start-up, into memory with
 * esbuild: one minified script and one stylesheet named by their content hash. No build step to forget, and what
 * is served is always the source tree's page; it costs well under a second of the service's start (in the
 * background: the API proxy serves at once).
 */
import { createHash } from 'node:crypto';
import { build } from 'esbuild';

export interface PageBundle {
  readonly js: Buffer;
  readonly css: Buffer;
  readonly hash: string;
}

export async function bundlePage(entry: string): Promise<PageBundle> {
  const result = await build({
    entryPoints: { app: entry },
    bundle: true,
    write: false,
    outdir: '/bundle',
    format: 'esm',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    charset: 'utf8',
  });
  const file = (ext: string) => Buffer.from(result.outputFiles.find((f) => f.path.endsWith(ext))?.contents ?? new Uint8Array());
  const js = file('.js');
  const css = file('.css');
  return { js, css, hash: createHash('sha256').update(js).update(css).digest('hex').slice(0, 12) };
}
