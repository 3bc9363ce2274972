/** Flyway's checksums: an applied migration that was edited afterwards is refused. */
import { afterAll, describe, expect, it } from 'vitest';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isVitalsError } from '@vitals/shared';
import { createTempDatabase, testStackConfig, type TempDatabase } from '../src/testing/index.js';
import { flyway } from '../src/stack/flyway.js';
import { stackPaths } from '../src/stack/paths.js';
import { dbTarget } from '../src/stack/postgres.js';

const config = testStackConfig();
const paths = stackPaths(config.stackDir);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('flyway', () => {
  it('refuses to migrate after an applied migration file was edited', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vitals-migrations-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(paths.migrations, dir, { recursive: true });
    const temp: TempDatabase = await createTempDatabase({ migrate: true, migrationsDir: dir });
    cleanups.push(() => temp.drop());
    const opts = { mvn: config.mavenCommand, pom: paths.poms.flyway, migrationsDir: dir, offline: true };

    await expect(flyway('validate', dbTarget(temp.url), opts)).resolves.toBeDefined();
    await appendFile(path.join(dir, 'V1__reference_data.sql'), '\n-- an innocent-looking edit\n');

    const err = await flyway('migrate', dbTarget(temp.url), opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVitalsError(err, 'STACK_ERR_FLYWAY_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/checksum mismatch/i);
  });
});
