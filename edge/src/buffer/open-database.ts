/**
 * Opens the SQLite buffer: the free-disk check, the durability pragmas, and the migrations.
 *
 * Durability: WAL with `synchronous=FULL`, so every commit fsyncs the WAL before the gateway acknowledges a
 * frame. A power cut therefore loses nothing acknowledged; it can lose only frames whose transaction had not
 * committed yet, and those were never acknowledged, so the monitor sends them again.
 */
import { mkdirSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EdgeErrors } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

export interface DiskCheckInput {
  /** Free bytes available to this process on the data folder's file system. */
  readonly availableBytes: number;
  /** Bytes the buffer files occupy already (they count towards the buffer size). */
  readonly currentBytes: number;
  readonly maxBytes: number;
  readonly reserveBytes: number;
}

/** How many more bytes the buffer may still need, and whether the disk has them (plus the reserve). Pure. */
export function checkDiskSpace(i: DiskCheckInput): { ok: boolean; neededBytes: number } {
  const neededBytes = Math.max(0, i.maxBytes - i.currentBytes);
  return { ok: i.availableBytes >= neededBytes + i.reserveBytes, neededBytes };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export interface OpenDatabaseOptions {
  readonly dataDir: string;
  readonly maxBytes: number;
  readonly reserveBytes: number;
  /** Injected for tests; defaults to fs.statfsSync. */
  readonly statfs?: (dir: string) => { bavail: number; bsize: number };
}

/** Opens (creating if needed) `<dataDir>/buffer.db`, checks the disk, applies pending migrations. */
export function openDatabase(opts: OpenDatabaseOptions): Db {
  const file = path.join(opts.dataDir, 'buffer.db');
  try {
    mkdirSync(opts.dataDir, { recursive: true });
  } catch (err) {
    throw EdgeErrors.EDGE_ERR_BUFFER_OPEN.withCause(err, file, (err as Error).message);
  }
  const fs = (opts.statfs ?? statfsSync)(opts.dataDir);
  const availableBytes = fs.bavail * fs.bsize;
  const currentBytes = fileSize(file) + fileSize(`${file}-wal`);
  const disk = checkDiskSpace({ availableBytes, currentBytes, maxBytes: opts.maxBytes, reserveBytes: opts.reserveBytes });
  if (!disk.ok) throw EdgeErrors.EDGE_ERR_DISK_TOO_SMALL(opts.dataDir, availableBytes, disk.neededBytes, opts.reserveBytes);

  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw EdgeErrors.EDGE_ERR_BUFFER_OPEN.withCause(err, file, (err as Error).message);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -16000');
    // The WAL is truncated back to this size after a checkpoint, so it does not keep a burst's size forever.
    db.pragma('journal_size_limit = 67108864');
    migrate(db, file);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('EDGE_ERR_')) throw err;
    throw EdgeErrors.EDGE_ERR_BUFFER_OPEN.withCause(err, file, (err as Error).message);
  }
  return db;
}

function migrate(db: Db, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw EdgeErrors.EDGE_ERR_BUFFER_SCHEMA(file, current, SCHEMA_VERSION);
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
