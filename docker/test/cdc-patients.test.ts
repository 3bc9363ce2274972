/**
 * Debezium CDC of the reference tables, end to end on the real stack: PostgreSQL -> Debezium (Kafka Connect)
 * -> Kafka -> kafkajs. One test registers its own connector (own slot, publication and topic prefix) so it
 * sees a snapshot read of a row that existed before; the other watches the stack's own connector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { cdcTopic, decodeChangeEvent, type ChangeEvent } from '@vitals/shared';
import { consumeUntil, markTopicEnds, testStackConfig, uniqueSuffix, type ConsumedRecord } from '../src/testing/index.js';
import { connectorConfig, deleteConnector, registerConnector } from '../src/stack/kafka-connect.js';
import { dbTarget, dropReplicationSlot } from '../src/stack/postgres.js';
import { stackPaths } from '../src/stack/paths.js';

type PatientRow = { id: string; customer_id: string; mrn: string; given_name: string | null; family_name: string | null };

const config = testStackConfig();
let db: pg.Client;
let customerId: string;

async function newPatient(mrn: string, given: string): Promise<string> {
  const r = await db.query<{ id: string }>(
    'INSERT INTO patients (customer_id, mrn, given_name, family_name) VALUES ($1, $2, $3, $4) RETURNING id',
    [customerId, mrn, given, 'Tester'],
  );
  return r.rows[0]!.id;
}

function eventsFor(records: readonly ConsumedRecord[], id: string): ChangeEvent<PatientRow>[] {
  return records
    .filter((r) => r.key !== null && (JSON.parse(r.key) as { id?: string }).id === id)
    .map((r) => decodeChangeEvent<PatientRow>(r.key, r.value));
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: config.databaseUrl });
  await db.connect();
  const sfx = uniqueSuffix();
  customerId = (
    await db.query<{ id: string }>('INSERT INTO customers (name, slug) VALUES ($1, $2) RETURNING id', [
      `CDC test ${sfx}`,
      `cdc-${sfx}`,
    ])
  ).rows[0]!.id;
});

afterAll(async () => {
  await db?.end();
});

describe('Debezium change events for patients', () => {
  it('snapshot read, create, update, delete with the full old row, then a tombstone (own connector)', async () => {
    const sfx = uniqueSuffix();
    const name = `test-cdc-${sfx}`;
    const slot = `test_cdc_${sfx}`;
    const publication = `test_cdc_${sfx}`;
    const prefix = `test-${sfx}`;
    const topic = `${prefix}.public.patients`;
    const target = dbTarget(config.databaseUrl);
    const existing = await newPatient(`MRN-S-${sfx}`, 'Snapshot');
    try {
      const cfg = await connectorConfig(
        { name, db: target, slot, publication, topicPrefix: prefix, tables: ['patients'], publicationAutocreate: 'filtered' },
        stackPaths(config.stackDir).templates.connector,
      );
      await registerConnector({ connectUrl: config.connectUrl }, name, cfg, 90_000);

      // The snapshot read of the row that existed before the connector.
      await consumeUntil([topic], (rs) => eventsFor(rs, existing).some((e) => e.kind === 'upsert' && e.op === 'r'));

      const id = await newPatient(`MRN-C-${sfx}`, 'Created');
      await db.query('UPDATE patients SET given_name = $2 WHERE id = $1', [id, 'Updated']);
      await db.query('DELETE FROM patients WHERE id = $1', [id]);

      const records = await consumeUntil([topic], (rs) => eventsFor(rs, id).some((e) => e.kind === 'tombstone'));
      const events = eventsFor(records, id);
      expect(events.map((e) => (e.kind === 'upsert' ? e.op : e.kind))).toEqual(['c', 'u', 'delete', 'tombstone']);
      const [c, u, d] = events;
      expect(c?.kind === 'upsert' && c.row.given_name).toBe('Created');
      expect(u?.kind === 'upsert' && u.row.given_name).toBe('Updated');
      expect(u?.kind === 'upsert' && u.before?.given_name).toBe('Created');
      // REPLICA IDENTITY FULL: the delete carries every column of the old row, not only the key.
      expect(d?.kind).toBe('delete');
      if (d?.kind === 'delete') {
        expect(d.before).toMatchObject({
          id,
          customer_id: customerId,
          mrn: `MRN-C-${sfx}`,
          given_name: 'Updated',
          family_name: 'Tester',
        });
        expect(d.committedAtMs).toBeGreaterThan(Date.now() - 10 * 60_000);
      }
    } finally {
      await deleteConnector({ connectUrl: config.connectUrl }, name);
      await dropReplicationSlot(target, slot);
      await db.query(`DROP PUBLICATION IF EXISTS ${pg.escapeIdentifier(publication)}`);
      const kafka = new Kafka({ brokers: [...config.kafkaBrokers], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (topics.length) await admin.deleteTopics({ topics });
      await admin.disconnect();
    }
  });

  it('the stack connector streams patients to db-changes.public.patients', async () => {
    const since = await markTopicEnds([cdcTopic('patients')]);
    const sfx = uniqueSuffix();
    const id = await newPatient(`MRN-${sfx}`, 'Streamed');
    await db.query('UPDATE patients SET family_name = $2 WHERE id = $1', [id, 'Renamed']);
    await db.query('DELETE FROM patients WHERE id = $1', [id]);
    const records = await consumeUntil([cdcTopic('patients')], (rs) => eventsFor(rs, id).some((e) => e.kind === 'tombstone'), {
      since,
    });
    const kinds = eventsFor(records, id).map((e) => (e.kind === 'upsert' ? e.op : e.kind));
    expect(kinds).toEqual(['c', 'u', 'delete', 'tombstone']);
  });
});
