/**
 * TLS for every HTTP listener of ours: given PEM certificate and key files, fastify serves HTTPS. Files are read
 * once at start-up; a missing or unreadable file fails the start with a clear message.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@vitals/shared';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly minVersion: 'TLSv1.2';
}

/** Undefined when neither file is configured (plain HTTP). */
export function loadTlsOptions(f: TlsFiles): TlsOptions | undefined {
  if (f.certFile === '' && f.keyFile === '') return undefined;
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError([`cannot read TLS ${what} file ${file}: ${(err as Error).message}`]);
    }
  };
  return { cert: read(f.certFile, 'certificate'), key: read(f.keyFile, 'key'), minVersion: 'TLSv1.2' };
}
