/**
 * Exactly once under a crash: two enricher processes share a stream of 200,000 readings (with ingest-retry
 * duplicates mixed in); one is killed with SIGKILL in the middle. Every input reading must be in the committed
 * output exactly once (by reading id) across enriched-readings and readings-dlq.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { TOPICS, waitFor } from '@vitals/shared';
import { uniqueSuffix } from '@vitals/stack/testing';
import { readPartitionRanges, topicBounds } from '../src/kafka/partition-reader.js';
import { startChild, type ChildService } from './support/child-service.js';
import { createHospital, createInputTopic, deleteTopics, reading, testKafka, type Hospital } from './support/enricher-world.js';

const TOTAL = 200_000;
const DEVICES = 40;
const kafka = testKafka();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function partitionsOf(port: unknown): Promise<number[]> {
  const res = await fetch(`http://127.0.0.1:${port}/api/status`);
  return ((await res.json()) as { partitions: number[] }).partitions;
}

async function outputEnds(admin: Admin): Promise<Map<string, Map<number, bigint>>> {
  const out = new Map<string, Map<number, bigint>>();
  for (const t of [TOPICS.enrichedReadings, TOPICS.readingsDlq]) {
    out.set(t, new Map([...(await topicBounds(admin, t))].map(([p, b]) => [p, b.high])));
  }
  return out;
}

describe('enricher exactly once', () => {
  it(
    'holds each input reading exactly once in the committed output after one of two instances is killed -9',
    { timeout: 600_000 },
    async () => {
      const hospital: Hospital = await createHospital();
      cleanups.push(() => hospital.close());
      const devices: string[] = [];
      for (let i = 0; i < DEVICES; i++) devices.push(await hospital.device({ assignFrom: '2026-01-01T00:00:00Z' }));
      const input = await createInputTopic(kafka, 6);
      const group = `enricher-eos-${uniqueSuffix()}`;
      cleanups.push(() => deleteTopics(kafka, input));
      cleanups.push(() => deleteTopics(kafka, `${group}-changelog`));
      const admin = kafka.admin();
      await admin.connect();
      cleanups.push(() => admin.disconnect());
      const startEnds = await outputEnds(admin);

      const env = {
        ENRICHER_GROUP_ID: group,
        ENRICHER_INPUT_TOPIC: input,
        ENRICHER_CHANGELOG_TOPIC: `${group}-changelog`,
        ENRICHER_PORT: '0',
        ENRICHER_SESSION_TIMEOUT: '6s',
        ENRICHER_GRACE: '2s',
        LOG_LEVEL: process.env.ENRICHER_TEST_LOG_LEVEL ?? 'warn',
      };
      const children: ChildService[] = [
        startChild('cloud/src/cli/enricher-main.ts', env, 'enricher-ready'),
        startChild('cloud/src/cli/enricher-main.ts', env, 'enricher-ready'),
      ];
      for (const c of children) cleanups.push(() => c.kill('SIGKILL'));
      const [a, b] = await Promise.all(children.map((c) => c.ready));
      // Both instances own partitions before the stream starts.
      await waitFor(async () => (await partitionsOf(a!.port)).length > 0 && (await partitionsOf(b!.port)).length > 0, {
        timeoutMs: 60_000,
        what: 'both enrichers to own partitions',
      });

      // The stream: 200,000 distinct readings from 40 devices, plus every 100th one sent again (an ingest retry).
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      cleanups.push(() => producer.disconnect());
      const ids = new Set<string>();
      const start = Date.now() - 3_600_000;
      let sent = 0;
      let killed = false;
      while (sent < TOTAL) {
        const messages: Array<{ key: string; value: string }> = [];
        for (let i = 0; i < 2_000 && sent < TOTAL; i++, sent++) {
          const device = devices[sent % DEVICES]!;
          const r = reading(device, start + Math.floor(sent / DEVICES) * 10, { deviceSeq: sent, value: 60 + (sent % 30) });
          ids.add(r.readingId);
          const value = JSON.stringify(r);
          messages.push({ key: device, value });
          if (sent % 100 === 0) messages.push({ key: device, value });
        }
        await producer.send({ topic: input, acks: -1, messages });
        if (!killed && sent >= TOTAL * 0.4) {
          await children[0]!.kill('SIGKILL');
          killed = true;
        }
      }
      expect(ids.size).toBe(TOTAL);

      // Wait until the survivor has committed offsets for the whole input.
      const inputEnds = await topicBounds(admin, input);
      await waitFor(
        async () => {
          const committed = await admin.fetchOffsets({ groupId: group, topics: [input] });
          return committed[0]!.partitions.every((p) => BigInt(p.offset) >= inputEnds.get(p.partition)!.high);
        },
        { timeoutMs: 300_000, intervalMs: 1_000, what: 'the surviving enricher to commit the whole input' },
      );
      expect(await partitionsOf(b!.port)).toEqual([0, 1, 2, 3, 4, 5]);

      // Read everything committed to the outputs since the test began, and count our reading ids.
      const endEnds = await outputEnds(admin);
      const seen = new Map<string, number>();
      const lineage = new Map<string, string[]>();
      for (const topic of [TOPICS.enrichedReadings, TOPICS.readingsDlq]) {
        const ranges = new Map(
          [...endEnds.get(topic)!].map(([p, high]) => [p, { from: startEnds.get(topic)!.get(p) ?? 0n, to: high }]),
        );
        await readPartitionRanges(kafka, { topic, ranges, timeoutMs: 300_000 }, (_p, m) => {
          const text = m.value?.toString('utf8') ?? '';
          const id = /"readingId":"([0-9a-f-]{36})"/.exec(text)?.[1];
          if (id && ids.has(id)) {
            seen.set(id, (seen.get(id) ?? 0) + 1);
            lineage.set(id, [
              ...(lineage.get(id) ?? []),
              `${topic}/${_p}@${m.offset} from ${m.headers?.['vitals-source']?.toString() ?? '?'}`,
            ]);
          }
        });
      }
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      if (duplicates) {
        const sample = [...seen]
          .filter(([, n]) => n > 1)
          .slice(0, 5)
          .map(([id]) => `${id}: ${lineage.get(id)?.join(' | ')}`);
        console.error(
          `duplicates, for example:\n${sample.join('\n')}\nchild output:\n${children.map((c) => c.output.filter((l) => !l.includes('"kafkajs"')).join('\n')).join('\n---\n')}`,
        );
      }
      const missing = TOTAL - seen.size;
      expect({ missing, duplicates }).toEqual({ missing: 0, duplicates: 0 });
    },
  );
});
