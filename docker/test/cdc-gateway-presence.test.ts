/**
 * A gateway's `last_seen_at` is presence, not an edit (migration V7 and the connector's column exclusion): the
 * storage service refreshing it bumps no row version, recomputes no configuration (no NOTIFY) and puts no change
 * event on Kafka, while a real edit of the same row still does all three. Against the stack's own connector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { cdcTopic, decodeChangeEvent, waitFor } from '@vitals/shared';
import { consumeUntil, markTopicEnds, testStackConfig, uniqueSuffix, type ConsumedRecord } from '../src/testing/index.js';

type GatewayRow = { id: string; name: string; last_seen_at?: unknown; token_hash?: unknown };

const config = testStackConfig();
let db: pg.Client;
let listener: pg.Client;
const notifications: Array<{ op: string; ids: Record<string, string[]> }> = [];

beforeAll(async () => {
  db = new pg.Client({ connectionString: config.databaseUrl });
  listener = new pg.Client({ connectionString: config.databaseUrl });
  await Promise.all([db.connect(), listener.connect()]);
  listener.on('notification', (n) => {
    const payload = JSON.parse(n.payload ?? '{}') as { table: string; op: string; ids: Record<string, string[]> };
    if (payload.table === 'gateways') notifications.push(payload);
  });
  await listener.query('LISTEN vitals_config_inputs');
});

afterAll(async () => {
  await Promise.all([db?.end(), listener?.end()]);
});

function eventsFor(records: readonly ConsumedRecord[], id: string) {
  return records
    .filter((r) => r.key !== null && (JSON.parse(r.key) as { id?: string }).id === id)
    .map((r) => decodeChangeEvent<GatewayRow>(r.key, r.value));
}

describe('gateway last seen', () => {
  it('refreshing last_seen_at is no edit; renaming the gateway still is', async () => {
    const sfx = uniqueSuffix();
    const topic = cdcTopic('gateways');
    const since = await markTopicEnds([topic]);
    const customerId = (
      await db.query<{ id: string }>('INSERT INTO customers (name, slug) VALUES ($1, $2) RETURNING id', [
        `Presence ${sfx}`,
        `presence-${sfx}`,
      ])
    ).rows[0]!.id;
    const departmentId = (
      await db.query<{ id: string }>(
        `INSERT INTO departments (customer_id, code, name) VALUES ($1, 'W1', 'Ward 1') RETURNING id`,
        [customerId],
      )
    ).rows[0]!.id;
    const id = `gw-presence-${sfx}`;
    await db.query(`INSERT INTO gateways (id, customer_id, department_id, name, token_hash) VALUES ($1, $2, $3, 'Before', 'x')`, [
      id,
      customerId,
      departmentId,
    ]);
    const row = async () =>
      (
        await db.query<{ row_version: number; updated_at: Date; last_seen_at: Date | null }>(
          'SELECT row_version, updated_at, last_seen_at FROM gateways WHERE id = $1',
          [id],
        )
      ).rows[0]!;
    const created = await row();

    // What the storage service does as batches arrive.
    await db.query('UPDATE gateways SET last_seen_at = now() WHERE id = $1', [id]);
    const seen = await row();
    expect(seen.last_seen_at).not.toBeNull();
    expect(seen.row_version).toBe(created.row_version);
    expect(seen.updated_at).toEqual(created.updated_at);

    // A real edit afterwards: a new version, a notification and a change event.
    await db.query(`UPDATE gateways SET name = 'After' WHERE id = $1`, [id]);
    expect((await row()).row_version).toBe(created.row_version + 1);

    const records = await consumeUntil([topic], (rs) => eventsFor(rs, id).some((e) => e.kind === 'upsert' && e.op === 'u'), {
      since,
    });
    const events = eventsFor(records, id);
    // Had the last_seen_at refresh produced an event it would come between these two (commit order).
    expect(events.map((e) => (e.kind === 'upsert' ? e.op : e.kind))).toEqual(['c', 'u']);
    const update = events[1]!;
    expect(update.kind === 'upsert' && update.before?.name).toBe('Before');
    expect(update.kind === 'upsert' && update.row.name).toBe('After');
    expect(update.kind === 'upsert' && 'last_seen_at' in update.row).toBe(false);

    // NOTIFY is delivered in commit order too: the rename's notification arrives after the insert's, with none
    // between them.
    const mine = () => notifications.filter((n) => n.ids.id?.includes(id));
    await waitFor(() => mine().length >= 2, { what: 'the notifications of the gateway', timeoutMs: 10_000, intervalMs: 100 });
    expect(mine().map((n) => n.op)).toEqual(['INSERT', 'UPDATE']);
  });
});
