/**
 * Flyway, run through its Maven plugin (docker/flyway/pom.xml) against the migrations folder. `migrate`
 * validates checksums of applied migrations first, so an edited migration is refused.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { StackErrors } from '../errors.js';
import type { DbTarget } from './postgres.js';

const run = promisify(execFile);
const PLUGIN = 'org.flywaydb:flyway-maven-plugin:13.12.0';

export type FlywayCommand = 'migrate' | 'info' | 'validate' | 'repair';

export interface FlywayOptions {
  readonly mvn: string;
  readonly pom: string;
  readonly migrationsDir: string;
  /** Run Maven offline (jars already cached): faster, no network. Falls back to online when a jar is missing. */
  readonly offline?: boolean;
}

export interface FlywayResult {
  readonly output: string;
}

function jdbcUrl(t: DbTarget): string {
  return `jdbc:postgresql://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}/${t.database}`;
}

/** The lines of Maven's output that are Flyway's, without Maven's own banner. */
function flywayLines(out: string): string {
  return out
    .split('\n')
    .filter(
      (l) =>
        !/^\[INFO\] (-{5,}|Scanning|Building|BUILD|Total time|Finished at|\s*$)|^\[INFO\] --- |^\[INFO\] -+< |^\[INFO\] -+\[ /.test(
          l,
        ),
    )
    .map((l) => l.replace(/^\[(INFO|WARNING)\] /, ''))
    .join('\n')
    .trim();
}

export async function flyway(command: FlywayCommand, target: DbTarget, opts: FlywayOptions): Promise<FlywayResult> {
  const args = [
    '-B',
    ...(opts.offline ? ['-o'] : []),
    '-f',
    opts.pom,
    `${PLUGIN}:${command}`,
    `-Dflyway.url=${jdbcUrl(target)}`,
    `-Dflyway.user=${target.user}`,
    `-Dflyway.password=${target.password}`,
    `-Dflyway.locations=filesystem:${opts.migrationsDir}`,
    '-Dflyway.validateMigrationNaming=true',
    '-Dflyway.cleanDisabled=true',
    '-Dstyle.color=never',
  ];
  try {
    const { stdout } = await run(opts.mvn, args, { maxBuffer: 16 * 1024 * 1024 });
    return { output: flywayLines(stdout) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string };
    if (e.code === 'ENOENT') throw StackErrors.STACK_ERR_TOOL_MISSING('Maven', opts.mvn, 'MAVEN_CMD');
    const out = e.stdout ?? '';
    if (opts.offline && /offline mode|has not been downloaded|Cannot access .* in offline mode/i.test(out)) {
      return flyway(command, target, { ...opts, offline: false });
    }
    const errors = out
      .split('\n')
      .filter(
        (l) =>
          l.startsWith('[ERROR]') && !/Re-run Maven|For more information|Help 1|^\[ERROR\]\s*$|To see the full stack/.test(l),
      )
      .map((l) => l.replace(/^\[ERROR\] /, ''))
      .join('\n');
    throw StackErrors.STACK_ERR_FLYWAY_FAILED.withCause(err, command, errors || e.message);
  }
}
