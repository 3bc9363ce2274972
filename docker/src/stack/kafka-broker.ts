/** The local Apache Kafka broker (KRaft, one node): render its config, format storage once, start, stop. */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@vitals/shared';
import { StackErrors } from '../errors.js';
import { logFile, runningPid, startJava, stopJava, type JavaProcessSpec } from './java-process.js';
import { listTopics } from './kafka-admin.js';
import type { StackPaths } from './paths.js';
import { renderTemplate } from './template.js';

export interface BrokerOptions {
  readonly java: string;
  readonly heap: string;
  readonly brokers: readonly string[];
  readonly controllerPort: number;
  readonly paths: StackPaths;
}

const MAIN = 'kafka.Kafka';

export function brokerSpec(o: BrokerOptions): JavaProcessSpec {
  return {
    name: 'kafka',
    java: o.java,
    heap: o.heap,
    classpathDir: o.paths.jars.kafka,
    mainClass: MAIN,
    args: [path.join(o.paths.rendered, 'server.properties')],
    jvmOptions: [`-Dlog4j2.configurationFile=${o.paths.templates.log4j}`, `-Dkafka.logs.dir=${o.paths.logs}`],
    runDir: o.paths.run,
    logDir: o.paths.logs,
  };
}

function hostPort(broker: string): { host: string; port: number } {
  const i = broker.lastIndexOf(':');
  return { host: broker.slice(0, i), port: Number(broker.slice(i + 1)) };
}

async function renderServerProperties(o: BrokerOptions): Promise<string> {
  const first = o.brokers[0];
  if (!first) throw new Error('KAFKA_BROKERS is empty');
  const { host, port } = hostPort(first);
  const text = renderTemplate(await readFile(o.paths.templates.kafkaServer, 'utf8'), {
    KAFKA_CONTROLLER_HOST: host,
    KAFKA_CONTROLLER_PORT: o.controllerPort,
    KAFKA_LISTEN_HOST: host,
    KAFKA_PORT: port,
    KAFKA_ADVERTISED_HOST: host,
    KAFKA_LOG_DIR: o.paths.kafkaData,
  });
  await mkdir(o.paths.rendered, { recursive: true });
  const file = path.join(o.paths.rendered, 'server.properties');
  await writeFile(file, text);
  return file;
}

/** Formats the KRaft storage the first time (`-g` makes a repeat harmless). */
async function formatStorage(o: BrokerOptions, config: string): Promise<void> {
  const metaFile = path.join(o.paths.kafkaData, 'meta.properties');
  if (
    await access(metaFile).then(
      () => true,
      () => false,
    )
  )
    return;
  await mkdir(o.paths.kafkaData, { recursive: true });
  const cp = path.join(o.paths.jars.kafka, '*');
  // `--cluster-id=<id>` in one argument: an id may start with '-', which the tool would take for an option.
  await promisify(execFile)(o.java, [
    '-cp',
    cp,
    'kafka.tools.StorageTool',
    'format',
    '-g',
    `--cluster-id=${clusterId()}`,
    '-c',
    config,
  ]);
}

/** A KRaft cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints). */
function clusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

export async function startBroker(o: BrokerOptions): Promise<'started' | 'running'> {
  const spec = brokerSpec(o);
  if (await runningPid(spec)) {
    await waitBrokerReady(o, 60_000);
    return 'running';
  }
  const config = await renderServerProperties(o);
  await formatStorage(o, config);
  await startJava(spec);
  await waitBrokerReady(o, 90_000);
  return 'started';
}

export async function waitBrokerReady(o: BrokerOptions, timeoutMs: number): Promise<void> {
  const spec = brokerSpec(o);
  try {
    await waitFor(
      async () => {
        if (!(await runningPid(spec))) throw new Error('the broker process exited');
        await listTopics(o.brokers);
        return true;
      },
      { timeoutMs, intervalMs: 500, what: 'Kafka to answer listTopics' },
    );
  } catch (err) {
    throw StackErrors.STACK_ERR_PROCESS_START.withCause(err, 'Kafka', (err as Error).message, logFile(spec));
  }
}

export async function stopBroker(o: BrokerOptions): Promise<boolean> {
  return stopJava(brokerSpec(o), 60_000);
}
