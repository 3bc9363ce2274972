/** The ledger as a JSON Lines file: one settled entry per line, appended as outcomes become known. */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SimErrors } from './errors.js';
import { Ledger, type LedgerEntry, type LedgerSink } from './ledger.js';

export function createJsonlSink(file: string): LedgerSink {
  const stream = createWriteStream(file, { flags: 'w', encoding: 'utf8' });
  let failure: Error | undefined;
  stream.on('error', (err) => {
    failure = err;
  });
  return {
    write(line) {
      if (!failure) stream.write(line);
    },
    close() {
      return new Promise((resolve, reject) => {
        const done = () =>
          failure ? reject(SimErrors.SIM_ERR_LEDGER_WRITE.withCause(failure, file, failure.message)) : resolve();
        if (failure || stream.destroyed) return done();
        stream.end(done);
      });
    },
  };
}

export function parseLedgerJsonl(text: string, source = '<text>'): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw SimErrors.SIM_ERR_LEDGER_READ.withCause(err, source, i + 1, (err as Error).message);
    }
    const e = value as Partial<LedgerEntry>;
    if (typeof e.id !== 'number' || typeof e.deviceId !== 'string' || typeof e.ack?.status !== 'string') {
      throw SimErrors.SIM_ERR_LEDGER_READ(source, i + 1, 'missing id, deviceId or ack');
    }
    out.push(e as LedgerEntry);
  });
  return out;
}

/** Reads a ledger file written by a simulation (e.g. by the CLI) back into a queryable ledger. */
export async function readLedgerFile(file: string): Promise<Ledger> {
  return Ledger.fromEntries(parseLedgerJsonl(await readFile(file, 'utf8'), file));
}
