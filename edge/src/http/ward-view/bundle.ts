/**
 * Builds the nurses' station page from its source (`edge/web/`) once, at start-up, into memory with esbuild:
 * one minified script and one stylesheet, named by a hash of their content. No build step to forget, and the
 * page served is always the page in the source tree; it costs some tens of milliseconds while the gateway starts
 * (in the background: ingestion never waits for it).
 */
import { createHash } from 'node:crypto';
import { build } from 'esbuild';

export interface PageBundle {
  readonly js: Buffer;
  readonly css: Buffer;
  /** Short content hash, part of the asset URLs (so they can be cached for good). */
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
  const hash = createHash('sha256').update(js).update(css).digest('hex').slice(0, 12);
  return { js, css, hash };
}
