/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints the figures and
 * writes bench/results/<timestamp>.json and .md plus latest.json/latest.md.
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { markdownTable, type Benchmark, type BenchSection } from './harness.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(dir))
  .filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
const sections: BenchSection[] = [];
let failed = 0;
for (const f of files) {
  process.stderr.write(`bench: ${f} ...\n`);
  const t0 = Date.now();
  try {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default: Benchmark };
    const section = await mod.default();
    sections.push(section);
    process.stderr.write(`bench: ${f} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`bench: ${f} FAILED: ${(err as Error).stack ?? String(err)}\n`);
    sections.push({ component: f.replace('.bench.ts', ''), figures: [], notes: [`failed: ${(err as Error).message}`] });
  }
}
const table = markdownTable(sections);
const notes = sections.flatMap((s) => (s.notes ?? []).map((n) => `- ${s.component}: ${n}`));
const md = `# Benchmark results\n\n${new Date().toISOString()}, ${process.version}, ${(await import('node:os')).cpus().length} cores\n\n${table}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`;
process.stdout.write(`${md}\n`);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = path.join(dir, 'results');
const json = JSON.stringify({ at: new Date().toISOString(), node: process.version, sections }, null, 2);
await writeFile(path.join(out, `${stamp}.json`), json);
await writeFile(path.join(out, `${stamp}.md`), md);
await writeFile(path.join(out, 'latest.json'), json);
await writeFile(path.join(out, 'latest.md'), md);
process.exitCode = failed ? 1 : 0;
