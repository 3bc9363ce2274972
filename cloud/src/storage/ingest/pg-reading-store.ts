/**
 * Readings in PostgreSQL. The insert is ONE statement per batch: `INSERT ... SELECT FROM unnest($arrays) ON
 * CONFLICT DO NOTHING RETURNING reading_id`. Why unnest rather than the alternatives:
 * - multi-row VALUES needs 11 parameters per reading (5,500 for 500 readings, a 65,535 cap) and a different
 *   statement text per batch size, so nothing is prepared once;
 * - COPY is the fastest load but has no ON CONFLICT: one retried reading fails the whole COPY, and making it
 *   idempotent takes a temporary table and a second statement (more round trips, more WAL);
 * - unnest takes 11 array parameters whatever the batch size, runs as one named prepared statement (parsed and
 *   planned once per connection), is idempotent through the primary key, and tells us which ids were new.
 * Autocommit: the statement is its own transaction, so "the statement returned" is "committed" (with the
 * default synchronous_commit=on, durable).
 */
import type { Queryable } from '../../db/transaction.js';
import type { StoredReading } from './outcomes.js';
import type { DeviceState } from './plan.js';
import type { ReadingStore } from './ports.js';

// The id is claimed in reading_ids first (its key is the id alone; see migration V10), and only readings whose
// id this statement claimed are inserted, so an id stored earlier under another measured-at (another
// partition) is not stored twice. A concurrent batch with the same id waits on the claim's key lock and then
// finds it taken. The readings insert keeps ON CONFLICT DO NOTHING for rows written before the claim table.
const INSERT = `
WITH incoming AS (
  SELECT *
    FROM unnest($2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::float8[], $8::text[],
                $9::timestamptz[], $10::timestamptz[], $11::boolean[])
         AS r(reading_id, gateway_id, device_id, device_seq, metric, value, unit, measured_at, received_at, historical)
), claimed AS (
  INSERT INTO reading_ids (reading_id, measured_at)
  SELECT reading_id, measured_at FROM incoming
  ON CONFLICT DO NOTHING
  RETURNING reading_id
)
INSERT INTO readings (reading_id, customer_id, gateway_id, device_id, device_seq, metric, value, unit,
                      measured_at, received_at, historical)
SELECT r.reading_id, $1::uuid, r.gateway_id, r.device_id, r.device_seq, r.metric, r.value, r.unit,
       r.measured_at, r.received_at, r.historical
  FROM incoming r JOIN claimed c USING (reading_id)
ON CONFLICT DO NOTHING
RETURNING reading_id::text`;

const DEVICES = `SELECT id, deleted_at IS NOT NULL AS deleted FROM devices WHERE customer_id = $1::uuid AND id = ANY($2::text[])`;

// By id alone, in every partition (readings' key starts with reading_id, so each partition answers from its
// index): a repeat may carry another measured-at than the stored reading, and is then a conflict. Only batches
// with repeats run this.
const FIND = `
SELECT reading_id::text, customer_id::text, device_id, metric, value, measured_at
  FROM readings
 WHERE reading_id = ANY($1::uuid[])`;

export function createPgReadingStore(db: Queryable): ReadingStore {
  return {
    async deviceStates(customerId, deviceIds) {
      const { rows } = await db.query<{ id: string; deleted: boolean }>({
        name: 'ingest-device-states',
        text: DEVICES,
        values: [customerId, deviceIds],
      });
      return new Map(rows.map((r) => [r.id, r.deleted ? 'deleted' : 'active'] as [string, DeviceState]));
    },

    async insert(customerId, readings) {
      const n = readings.length;
      const cols = {
        id: new Array<string>(n),
        gateway: new Array<string | null>(n),
        device: new Array<string>(n),
        seq: new Array<number>(n),
        metric: new Array<string>(n),
        value: new Array<number>(n),
        unit: new Array<string>(n),
        measured: new Array<string>(n),
        received: new Array<string>(n),
        historical: new Array<boolean>(n),
      };
      readings.forEach((r, i) => {
        cols.id[i] = r.readingId;
        cols.gateway[i] = r.gatewayId ?? null;
        cols.device[i] = r.deviceId;
        cols.seq[i] = r.deviceSeq;
        cols.metric[i] = r.metric;
        cols.value[i] = r.value;
        cols.unit[i] = r.unit;
        cols.measured[i] = r.measuredAt;
        cols.received[i] = r.receivedAt;
        cols.historical[i] = r.historical ?? false;
      });
      const { rows } = await db.query<{ reading_id: string }>({
        name: 'ingest-insert-readings',
        text: INSERT,
        values: [
          customerId,
          cols.id,
          cols.gateway,
          cols.device,
          cols.seq,
          cols.metric,
          cols.value,
          cols.unit,
          cols.measured,
          cols.received,
          cols.historical,
        ],
      });
      return new Set(rows.map((r) => r.reading_id));
    },

    async findStored(readings) {
      const { rows } = await db.query<{
        reading_id: string;
        customer_id: string;
        device_id: string;
        metric: string;
        value: number;
        measured_at: Date;
      }>({
        name: 'ingest-find-stored',
        text: FIND,
        values: [readings.map((r) => r.readingId)],
      });
      const out = new Map<string, StoredReading>();
      for (const r of rows) {
        if (out.has(r.reading_id)) continue; // stored twice before the claim table existed: the first serves
        out.set(r.reading_id, {
          readingId: r.reading_id,
          customerId: r.customer_id,
          deviceId: r.device_id,
          metric: r.metric,
          value: r.value,
          measuredAt: r.measured_at.toISOString(),
        });
      }
      return out;
    },
  };
}
