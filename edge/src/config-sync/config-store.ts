/**
 * The applied configuration in the buffer's SQLite file (schema migration 2): the document the gateway runs,
 * written in one transaction with the receipt that applied it (WAL, synchronous=FULL: durable before the
 * acknowledgement goes out), so a restart without uplink comes back with it. Receipts are bounded.
 */
import type { GatewayConfigDocument } from '@vitals/shared';
import type { Db } from '../buffer/open-database.js';

export type ReceiptOutcome = 'applied' | 'rejected' | 'older' | 'repeated';

const MAX_RECEIPTS = 1000;

export class ConfigStore {
  private readonly stmt;

  private constructor(private readonly db: Db) {
    this.stmt = {
      load: db.prepare('SELECT document, applied_at FROM config_applied WHERE id = 1'),
      save: db.prepare(
        `INSERT INTO config_applied (id, version, document, applied_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, document = excluded.document, applied_at = excluded.applied_at`,
      ),
      receipt: db.prepare('INSERT INTO config_receipts (at, version, outcome, reason) VALUES (?, ?, ?, ?)'),
      trim: db.prepare('DELETE FROM config_receipts WHERE id <= (SELECT max(id) FROM config_receipts) - ?'),
    };
  }

  static create(db: Db): ConfigStore {
    return new ConfigStore(db);
  }

  /** The applied document and when, or undefined when none was ever applied. */
  loadApplied(): { document: GatewayConfigDocument; appliedAtMs: number } | undefined {
    const row = this.stmt.load.get() as { document: string; applied_at: number } | undefined;
    if (!row) return undefined;
    return { document: JSON.parse(row.document) as GatewayConfigDocument, appliedAtMs: row.applied_at };
  }

  /** Persists the document as applied, with its receipt, in one transaction. Throws if SQLite cannot. */
  saveApplied(document: GatewayConfigDocument, atMs: number): void {
    this.db.transaction(() => {
      this.stmt.save.run(document.version, JSON.stringify(document), atMs);
      this.stmt.receipt.run(atMs, document.version, 'applied', null);
    })();
  }

  /** Best effort: a receipt that cannot be written costs nothing but its line. */
  recordReceipt(atMs: number, version: number | null, outcome: ReceiptOutcome, reason: string | null): void {
    try {
      this.stmt.receipt.run(atMs, version, outcome, reason);
      this.stmt.trim.run(MAX_RECEIPTS);
    } catch {
      // the buffer is failing; the caller's log line says what happened
    }
  }
}
