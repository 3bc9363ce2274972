/**
 * The HAPI FHIR instance validator for tests: fetches its jars from Maven Central once (docker/fhir-validator/
 * pom.xml, cached in the OS temp folder and Maven's local repository), writes the resources to files and runs
 * Validate.java on them in one JVM. Offline: R4 core profiles, UCUM and common code systems; LOINC codes are not
 * checked against a terminology (there is none), only the profiles' fixed codes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, loadStackConfig } from '../config.js';
import { fetchJars } from '../stack/maven.js';

const run = promisify(execFile);

export interface FhirValidationMessage {
  /** The name the resource was given. */
  readonly name: string;
  readonly severity: 'fatal' | 'error' | 'warning' | 'information';
  readonly location: string;
  readonly message: string;
}

const DIR = path.join(REPO_ROOT, 'docker', 'fhir-validator');

/**
 * Fetches the validator's jars unless the cache is current (about 145 MB the first time: call it in a `beforeAll`
 * with a generous timeout); answers their folder.
 */
export async function prepareFhirValidator(): Promise<string> {
  const config = loadStackConfig(process.env);
  const jars = path.join(os.tmpdir(), 'vitals-fhir-validator-jars');
  await fetchJars(config.mavenCommand, path.join(DIR, 'pom.xml'), jars);
  return jars;
}

/** Validates each named resource; answers every message of the validator (an empty list: nothing to say). */
export async function validateFhir(resources: Readonly<Record<string, unknown>>): Promise<FhirValidationMessage[]> {
  const config = loadStackConfig(process.env);
  const jars = await prepareFhirValidator();
  const work = await mkdtemp(path.join(os.tmpdir(), 'fhir-validate-'));
  try {
    const files = new Map<string, string>();
    for (const [name, resource] of Object.entries(resources)) {
      const file = path.join(work, `${files.size}.json`);
      files.set(file, name);
      await writeFile(file, JSON.stringify(resource));
    }
    const { stdout } = await run(
      config.javaCommand,
      ['-cp', path.join(jars, '*'), path.join(DIR, 'Validate.java'), ...files.keys()],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = stdout.split('\n').filter((l) => l !== '');
    if (lines.at(-1) !== `validated ${files.size}`) throw new Error(`the validator did not finish: ${stdout.slice(-2000)}`);
    return lines.slice(0, -1).map((line) => {
      const [file = '', severity = '', location = '', message = ''] = line.split('\t');
      return { name: files.get(file) ?? file, severity: severity as FhirValidationMessage['severity'], location, message };
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
