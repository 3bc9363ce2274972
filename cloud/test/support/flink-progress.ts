/**
 * What a Flink job has done so far, per operator and subtask, for a test's failure message: records in and
 * out, the current input watermark, and the checkpoint counts. When a job's output stops short, this says
 * where the records stopped (an operator holding them, or a filter sending them to the other sink) or whether
 * they were produced and not committed. And a wait for a job to have read its reference topics.
 */
import type { Kafka } from 'kafkajs';
import { CDC_TOPIC_PREFIX, waitFor } from '@vitals/shared';
import { restCall } from '../../src/flink/rest.js';

interface Vertex {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  readonly status: string;
}

function instant(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > 8.64e15) return String(ms);
  return new Date(ms).toISOString();
}

export async function describeJobProgress(restUrl: string, jobId: string): Promise<string> {
  const lines: string[] = [];
  const target = { what: 'JobManager', baseUrl: restUrl, timeoutMs: 10_000 };
  const get = async <T>(route: string) => (await restCall<T>(target, 'GET', route)).json;
  try {
    const job = await get<{ state: string; vertices: Vertex[] }>(`/jobs/${jobId}`);
    lines.push(`job ${jobId} ${job.state} at ${new Date().toISOString()}`);
    for (const v of job.vertices) {
      const metrics = await get<{ id: string; min?: number; max?: number; sum?: number }[]>(
        `/jobs/${jobId}/vertices/${v.id}/subtasks/metrics?get=numRecordsIn,numRecordsOut`,
      );
      const wms = await get<{ id: string; value: string }[]>(`/jobs/${jobId}/vertices/${v.id}/watermarks`);
      const counts = metrics.map((m) => `${m.id}=${m.sum ?? '?'}`).join(' ');
      const marks = wms.map((w) => `${w.id.split('.')[0]}=${instant(Number(w.value))}`).join(' ');
      lines.push(`- ${v.status} p${v.parallelism} ${v.name.replace(/\s+/g, ' ').slice(0, 160)}`);
      lines.push(`    records ${counts}; watermarks ${marks}`);
    }
    const cps = await get<{
      counts: Record<string, number>;
      latest?: { completed?: { id: number; latest_ack_timestamp: number } | null };
    }>(`/jobs/${jobId}/checkpoints`);
    lines.push(
      `checkpoints ${JSON.stringify(cps.counts)}; latest completed ${cps.latest?.completed?.id ?? 'none'} at ${instant(cps.latest?.completed?.latest_ack_timestamp)}`,
    );
  } catch (err) {
    lines.push(`(progress not available: ${(err as Error).message})`);
  }
  return lines.join('\n');
}

/**
 * Waits until a Flink job's Kafka sources have read, and checkpointed, everything now in the given topics.
 * A source commits its offsets when a checkpoint completes, and a checkpoint completes only once every
 * operator has taken the records before its barrier, so afterwards the job's joins hold those records. Tests
 * call it after writing reference data and before sending readings measured earlier than the CDC heartbeat,
 * which no watermark holds back (docs/scaling.md, "Semantic differences").
 */
export async function awaitFlinkRead(
  kafka: Kafka,
  sources: readonly { readonly groupId: string; readonly topic: string }[],
  timeoutMs = 60_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = await Promise.all(sources.map(async (s) => ({ ...s, ends: await admin.fetchTopicOffsets(s.topic) })));
    await waitFor(
      async () => {
        for (const w of wanted) {
          const [committed] = await admin.fetchOffsets({ groupId: w.groupId, topics: [w.topic] });
          for (const end of w.ends) {
            const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            if (Number(end.high) > 0 && Number(at) < Number(end.high)) return false;
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 250, what: `the Flink job to read ${sources.map((s) => s.topic).join(', ')}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * `awaitFlinkRead` for the enricher job's reference sources (devices, assignments, beds, thresholds), whose
 * consumer groups are `<group>-<source>` (`docker/flink/enricher.sql`).
 */
export function awaitFlinkReference(kafka: Kafka, jobGroupId: string): Promise<void> {
  const tables = { devices: 'devices', assignments: 'device_assignments', beds: 'beds', thresholds: 'alert_thresholds' };
  return awaitFlinkRead(
    kafka,
    Object.entries(tables).map(([source, table]) => ({
      groupId: `${jobGroupId}-${source}`,
      topic: `${CDC_TOPIC_PREFIX}.public.${table}`,
    })),
  );
}
