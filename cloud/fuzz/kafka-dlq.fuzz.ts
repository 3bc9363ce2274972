/**
 * Fuzz of the enricher's Kafka input (issue 19), the enricher running as its own process (the real CLI) on a
 * private raw-readings topic: 10,000 records of random bytes, mutated and random JSON, readings of devices
 * nobody knows, invalid UTF-8, oversized values and null values. Every one of them must reach readings-dlq with
 * a reason (matched by its source offset), the consumer must never stop, and after every burst a valid reading
 * of an assigned device must come out on enriched-readings.
 */
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newReadingId, REJECT_REASONS, TOPICS, type DeadLetter } from '@vitals/shared';
import { consumeUntil, markTopicEnds, uniqueSuffix } from '@vitals/stack/testing';
import {
  createTally,
  fuzzInputs,
  mutateBytes,
  mutateJson,
  randomJson,
  rssOf,
  withInvalidUtf8,
  type Rng,
} from '@vitals/stack/testing/fuzz';
import { startCliService, type CliService } from '../test/support/child-service.js';
import {
  createHospital,
  createInputTopic,
  deleteTopics,
  reading,
  testKafka,
  type Hospital,
} from '../test/support/enricher-world.js';

const INPUTS = fuzzInputs(10_000);
const BURST = 2500;

const kafka = testKafka();
const group = `enricher-fuzz-${uniqueSuffix()}`;
let hospital: Hospital;
let device: string;
let input: string;
let producer: Producer;
let enricher: CliService;

beforeAll(async () => {
  hospital = await createHospital();
  device = await hospital.device({ assignFrom: new Date(Date.now() - 3_600_000).toISOString() });
  input = await createInputTopic(kafka, 3);
  producer = kafka.producer();
  await producer.connect();
  enricher = startCliService('enricher', {
    ENRICHER_GROUP_ID: group,
    ENRICHER_INPUT_TOPIC: input,
    ENRICHER_CHANGELOG_TOPIC: `${group}-changelog`,
    ENRICHER_GRACE: '1500ms',
    ENRICHER_DEVICE_SILENCE: '1h',
    LOG_LEVEL: 'silent',
  });
  await enricher.url;
});
afterAll(async () => {
  await enricher?.kill();
  await producer?.disconnect();
  await hospital?.close();
  if (input) await deleteTopics(kafka, input);
  await deleteTopics(kafka, `${group}-changelog`);
});

function garbage(rng: Rng): { key: string | null; value: Buffer | null; kind: string } {
  const valid = reading(`FUZZ-${rng.int(0, 50)}`, Date.now() - rng.int(0, 120_000), { readingId: newReadingId() });
  const text = JSON.stringify(valid);
  const kind = rng.weighted<string>([
    [3, 'unknown-device'],
    [4, 'mutated'],
    [2, 'mutated-bytes'],
    [2, 'random-bytes'],
    [1, 'random-json'],
    [1, 'invalid-utf8'],
    [1, 'oversized'],
    [1, 'null'],
    [1, 'array'],
  ]);
  const value =
    kind === 'unknown-device'
      ? Buffer.from(text)
      : kind === 'mutated'
        ? Buffer.from(JSON.stringify(mutateJson(rng, valid)))
        : kind === 'mutated-bytes'
          ? mutateBytes(rng, Buffer.from(text))
          : kind === 'random-bytes'
            ? rng.bytes(rng.int(0, 2048))
            : kind === 'random-json'
              ? Buffer.from(JSON.stringify(randomJson(rng, 4)))
              : kind === 'invalid-utf8'
                ? withInvalidUtf8(rng, text)
                : kind === 'oversized'
                  ? Buffer.from(JSON.stringify({ ...valid, pad: 'x'.repeat(rng.pick([70_000, 500_000])) }))
                  : kind === 'array'
                    ? Buffer.from(JSON.stringify([valid, valid]))
                    : null;
  const key = rng.weighted<string | null>([
    [6, valid.deviceId],
    [1, null],
    [1, rng.bytes(8).toString('hex')],
  ]);
  return { key, value, kind };
}

describe('enricher Kafka input fuzz', () => {
  it(`${INPUTS} records of garbage on raw-readings: each reaches readings-dlq with a reason, the consumer keeps going`, async () => {
    const t = createTally('kafka-raw-readings-dlq');
    const reasons = new Set<string>(REJECT_REASONS);
    for (let start = 0; start < INPUTS; start += BURST) {
      const n = Math.min(BURST, INPUTS - start);
      const since = await markTopicEnds([TOPICS.readingsDlq, TOPICS.enrichedReadings]);
      const sent = new Set<string>();
      const inputBefore = (await markTopicEnds([input])).get(input)!;
      // In batches below the broker's 1 MB request limit (an oversized value goes alone).
      let batch: Array<{ key: string | null; value: Buffer | null }> = [];
      let bytes = 0;
      const flush = async () => {
        if (batch.length > 0) await producer.send({ topic: input, acks: -1, messages: batch });
        batch = [];
        bytes = 0;
      };
      for (let i = start; i < start + n; i++) {
        const r = garbage(t.rng.fork(`#${i}`));
        const size = r.value?.length ?? 0;
        if (batch.length >= 250 || bytes + size > 600_000) await flush();
        batch.push({ key: r.key, value: r.value });
        bytes += size;
      }
      await flush();
      // The offsets this burst wrote: from each partition's end before it to its end now (nobody else writes here).
      for (const [partition, end] of (await markTopicEnds([input])).get(input)!) {
        for (let o = inputBefore.get(partition) ?? 0n; o < end; o++) sent.add(`${input}:${partition}:${o}`);
      }
      expect(sent.size).toBe(n);
      let letters: DeadLetter[] = [];
      try {
        const records = await consumeUntil(
          [TOPICS.readingsDlq],
          (rs) => new Set(rs.map((r) => sourceOf(r.value))).size >= sent.size,
          {
            since,
            timeoutMs: 120_000,
            filter: (r) => sent.has(sourceOf(r.value)),
          },
        );
        letters = records.map((r) => JSON.parse(r.value!) as DeadLetter);
      } catch (err) {
        t.crash(`burst from #${start}: ${String(err).slice(0, 300)}`);
      }
      const seen = new Set<string>();
      for (const l of letters) {
        const at = `${l.source.topic}:${l.source.partition}:${l.source.offset}`;
        if (seen.has(at)) continue; // at-least-once: a letter may come twice
        seen.add(at);
        if (!reasons.has(l.reason) || !l.detail)
          t.crash(`letter for ${at} without a known reason: ${JSON.stringify(l).slice(0, 200)}`);
        t.outcome(l.reason);
      }
      for (const at of sent) {
        if (!seen.has(at)) {
          t.outcome('missing');
          t.crash(`record ${at} of ${input} never reached readings-dlq`);
        }
      }
      if (!enricher.alive()) {
        t.crash('the enricher exited');
        t.validAfter(false, 'enricher gone');
        break;
      }
      const good = reading(device, Date.now() - 500);
      await producer.send({ topic: input, acks: -1, messages: [{ key: device, value: JSON.stringify(good) }] });
      try {
        await consumeUntil([TOPICS.enrichedReadings], (rs) => rs.length > 0, {
          since,
          timeoutMs: 60_000,
          filter: (r) => (r.value ?? '').includes(good.readingId),
        });
        t.validAfter(true);
      } catch (err) {
        t.validAfter(false, `after the burst from #${start}: ${String(err).slice(0, 200)}`);
      }
    }
    const s = t.finish({ rssMiB: { enricher: rssOf(enricher.child.pid) } });
    expect(s.crashSamples).toEqual([]);
    expect(s.crashes).toBe(0);
    expect(s.inputs).toBe(INPUTS);
    expect(s.validAfter).toBe(true);
    expect(enricher.alive()).toBe(true);
  });
});

function sourceOf(value: string | null): string {
  try {
    const l = JSON.parse(value ?? 'null') as DeadLetter;
    return `${l.source.topic}:${l.source.partition}:${l.source.offset}`;
  } catch {
    return '';
  }
}
