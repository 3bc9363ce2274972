/**
 * Fetches the runtime jars of a POM into a folder with Maven's dependency plugin. A marker file records the
 * POM's hash, so a second call with an unchanged POM does nothing and a changed POM refetches.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackErrors } from '../errors.js';

const run = promisify(execFile);
/** The plugin that copies a POM's jars (docker/flink/Dockerfile runs the same one). */
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export async function fetchJars(mvn: string, pom: string, outDir: string): Promise<{ fetched: boolean }> {
  const pomText = await readFile(pom, 'utf8');
  const hash = createHash('sha256').update(pomText).digest('hex');
  const marker = path.join(outDir, '.pom-sha256');
  const current = await readFile(marker, 'utf8').catch(() => '');
  if (current.trim() === hash) return { fetched: false };
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  try {
    await run(
      mvn,
      ['-B', '-q', '-f', pom, `${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime', `-DoutputDirectory=${outDir}`],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw StackErrors.STACK_ERR_TOOL_MISSING('Maven', mvn, 'MAVEN_CMD');
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`
      .split('\n')
      .filter((l) => l.includes('ERROR'))
      .slice(0, 3)
      .join(' ');
    throw StackErrors.STACK_ERR_MAVEN_FAILED.withCause(err, path.basename(path.dirname(pom)), out || e.message);
  }
  await writeFile(marker, hash);
  return { fetched: true };
}
