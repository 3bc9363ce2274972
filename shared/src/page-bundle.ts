/**
 * Builds a web page (the nurses' station on the gateway, the dashboard in the cloud) from its source once, at
 * start-up, into memory with esbuild: one minified script and one stylesheet, named by a hash of their content.
 * No build step to forget, and the page served is always the page in the source tree; it costs tens of
 * milliseconds while a server starts (in the background: the server never waits for it). Imported as
 * `@vitals/shared/page-bundle`, so only the servers that serve pages load esbuild.
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
