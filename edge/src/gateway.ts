/**
 * `startGateway(config, deps) -> { close() }`: opens the buffer, restores the applied configuration, starts the
 * local alarms, ingestion (MQTT, MLLP TCP, serial), device settings forwarding, the config sync with the cloud,
 * the forwarder, retention and the HTTP API, and shuts them down in the order that loses nothing: stop the config
 * sync, stop accepting, commit what is pending (acknowledging it), close the inputs, stop the uplink, close the
 * buffer.
 */
import { readFileSync } from 'node:fs';
import { systemClock, type Clock, type TimerHandle } from '@vitals/shared';
import type { Logger } from 'pino';
import { BufferMaintenance } from './buffer/buffer-maintenance.js';
import { openDatabase, type OpenDatabaseOptions } from './buffer/open-database.js';
import { ReadingStore } from './buffer/reading-store.js';
import { createConfigSync, type ConfigSync } from './config-sync/config-sync.js';
import type { EdgeConfig } from './config.js';
import { EdgeErrors } from './errors.js';
import { createCloudClient } from './forwarder/cloud-client.js';
import { Forwarder } from './forwarder/forwarder.js';
import { startHttpServer } from './http/server.js';
import { createDeviceAuth } from './ingest/device-auth.js';
import { createIngest } from './ingest/ingest.js';
import { startMllpServer, type MllpServer } from './ingest/mllp-tcp/mllp-server.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './ingest/mqtt/embedded-broker.js';
import { startExternalClient, type ExternalClient } from './ingest/mqtt/external-client.js';
import { deviceTopics } from './ingest/mqtt/topics.js';
import { openSystemSerialPort, SerialLink, type SerialOpener } from './ingest/serial/serial-link.js';
import type { IngestLimits } from './ingest/validation.js';
import { LocalState } from './local-state.js';
import { createLogger } from './logger.js';
import { createEdgeMetrics, type EdgeMetrics } from './metrics.js';
import { statusReporter, type EdgeStatus } from './status.js';

export interface GatewayDeps {
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly random?: () => number;
  readonly serialOpener?: SerialOpener;
  readonly statfs?: OpenDatabaseOptions['statfs'];
  /** Collect Node process metrics too (default true). */
  readonly processMetrics?: boolean;
}

export interface Gateway {
  readonly config: EdgeConfig;
  readonly ports: { readonly http: number; readonly mqtt: number | null; readonly mllp: number | null };
  readonly state: LocalState;
  readonly metrics: EdgeMetrics;
  readonly store: ReadingStore;
  /** The applied configuration and the local alarms. */
  readonly configSync: ConfigSync;
  status(): Promise<EdgeStatus>;
  close(): Promise<void>;
}

const RETENTION_EVERY_MS = 60_000;

export async function startGateway(config: EdgeConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogger({ level: config.logLevel, gatewayId: config.gatewayId });
  const startedAt = clock.now();
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const db = openDatabase({
      dataDir: config.dataDir,
      maxBytes: config.bufferMaxBytes,
      reserveBytes: config.diskReserve,
      ...(deps.statfs ? { statfs: deps.statfs } : {}),
    });
    cleanups.push(() => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    });
    const store = ReadingStore.create(db);
    const metrics = createEdgeMetrics({ defaultMetrics: deps.processMetrics ?? true });
    const state = new LocalState();
    const configSync = createConfigSync({ config, db, state, clock, log, registry: metrics.registry });
    const maintenance = new BufferMaintenance(store, {
      maxBytes: config.bufferMaxBytes,
      rejectedMaxRows: config.rejectedMaxRows,
      deadLetterMaxRows: config.deadLetterMaxRows,
      onDrop: (r) => {
        metrics.dropped.inc({ kind: r.kind, alarm: String(r.alarm) }, r.count);
        log.error({ drop: r }, `buffer full: dropped ${r.count} ${r.kind} readings (${r.alarm ? 'alarm-relevant' : 'normal'})`);
      },
    });
    maintenance.enforceCapacity(clock.now());

    let forwarder: Forwarder | undefined;
    if (config.cloudUrl) {
      const ca = config.cloudCaFile ? readCa(config.cloudCaFile) : undefined;
      const client = createCloudClient({
        url: config.cloudUrl,
        token: config.gatewayToken,
        timeoutMs: config.forwardTimeout,
        clock,
        ...(ca ? { ca } : {}),
      });
      forwarder = new Forwarder({
        store,
        client,
        clock,
        log: log.child({ unit: 'forwarder' }),
        metrics,
        random: deps.random ?? Math.random,
        gatewayId: config.gatewayId,
        batchSize: config.forwardBatchSize,
        lingerMs: config.forwardLinger,
        liveWindowMs: config.liveWindow,
        order: config.forwardOrder,
        backoff: { initialMs: config.backoffInitial, maxMs: config.backoffMax },
        breakerThreshold: config.breakerThreshold,
        halfOpenAfterMs: config.breakerHalfOpenAfter,
      });
    } else {
      log.warn('CLOUD_URL is not set: readings are buffered, not forwarded');
    }

    const ingest = createIngest({
      clock,
      store,
      maintenance,
      state,
      metrics,
      log: log.child({ unit: 'ingest' }),
      lingerMs: config.commitLinger,
      maxFrames: config.commitMaxFrames,
      onCommitted: () => forwarder?.notify(),
    });
    const auth = createDeviceAuth({
      mode: config.deviceAuth,
      allowlist: config.deviceAllowlist,
      credentialsFile: config.deviceCredentialsFile,
    });
    if (auth.mode === 'open') log.warn('EDGE_DEVICE_AUTH=open: any device id may connect and publish (under its own id)');
    const limits: IngestLimits = {
      maxPayloadBytes: config.maxPayloadBytes,
      reading: { maxFutureSkewMs: config.maxFutureSkew, maxAgeMs: config.maxReadingAge },
    };
    const topics = deviceTopics(config.mqttTopicPrefix);
    const mqttLog = log.child({ unit: 'mqtt' });
    const readingsDeps = { ingest, clock, limits, log: mqttLog };

    let embedded: EmbeddedBroker | undefined;
    let external: ExternalClient | undefined;
    if (config.mqttMode === 'external') {
      external = startExternalClient({
        url: config.mqttUrl,
        clientId: config.mqttClientId || `vitals-edge-${config.gatewayId}`,
        username: config.mqttUsername,
        password: config.mqttPassword,
        topics,
        auth,
        ingest,
        readings: readingsDeps,
        state,
        clock,
        log: mqttLog,
      });
    } else if (config.mqttPort !== null) {
      embedded = await startEmbeddedBroker({
        gatewayId: config.gatewayId,
        host: config.bindHost,
        port: config.mqttPort,
        topics,
        auth,
        readings: readingsDeps,
        state,
        clock,
        log: mqttLog,
      });
    }
    // Device settings from the applied configuration go to the devices on this gateway's own broker, retained.
    const retained = (topic: string, payload: Buffer) => {
      if (embedded) {
        embedded.broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain: true, dup: false }, (err) => {
          if (err) mqttLog.warn({ err, topic }, 'device settings not published');
        });
      } else if (external) {
        external.client.publish(topic, payload, { qos: 1, retain: true }, (err) => {
          if (err) mqttLog.warn({ err, topic }, 'device settings not published');
        });
      }
    };
    configSync.attachDevices(topics.settings, embedded || external ? retained : undefined);
    configSync.connect();
    const session = { ingest, auth, state, metrics, clock, limits };
    let mllp: MllpServer | undefined;
    if (config.mllpPort !== null) {
      mllp = await startMllpServer({ host: config.bindHost, port: config.mllpPort, log: log.child({ unit: 'mllp' }), session });
    }
    const serial = config.serialPorts.map(
      (p) =>
        new SerialLink({
          path: p.path,
          baudRate: p.baudRate ?? config.serialBaud,
          reconnectMs: config.serialReconnect,
          clock,
          log: log.child({ unit: 'serial' }),
          opener: deps.serialOpener ?? openSystemSerialPort,
          session,
        }),
    );
    for (const link of serial) link.start();

    // Shutdown order: stop accepting, commit and acknowledge what is pending, close the inputs.
    cleanups.push(async () => {
      await Promise.all([embedded?.stopAccepting(), mllp?.stopAccepting()]);
      ingest.flush();
      // Let the acknowledgements just released leave: mqtt-packet corks the socket until the next tick, and aedes
      // routes an acknowledged publish on the tick after that. Closing the broker earlier would drop them.
      for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      await Promise.all(serial.map((l) => l.close()));
      await Promise.all([embedded?.close(), external?.close(), mllp?.close()]);
      ingest.close();
      await forwarder?.stop();
    });

    const prune = () => {
      const cutoff = clock.now() - config.historyWindow;
      for (let i = 0; i < 20 && maintenance.pruneHistory(cutoff) > 0; i++);
    };
    prune();
    const retention: TimerHandle = clock.setInterval(prune, RETENTION_EVERY_MS);
    cleanups.push(() => clock.clearInterval(retention));

    const reporter = statusReporter({
      config,
      clock,
      startedAt,
      store,
      metrics,
      state,
      ingest,
      forwarder,
      embedded,
      external,
      mllp,
      serial,
    });
    const status = reporter.status;
    metrics.bind(reporter.gauges);

    const http = await startHttpServer({
      host: config.bindHost,
      port: config.httpPort,
      tls: config.httpTlsCert && config.httpTlsKey ? { certFile: config.httpTlsCert, keyFile: config.httpTlsKey } : null,
      log: log.child({ unit: 'http' }),
      metrics,
      state,
      status,
      alarms: {
        acknowledge: (id, actor) => configSync.alarms.acknowledge(id, actor),
        configVersion: () => configSync.applier.current().version,
      },
      config: () => configSync.view(),
      health: () => {
        const buffer = ingest.healthy();
        return {
          status: buffer.ok ? 'ok' : 'failing',
          checks: { buffer: buffer.detail, uplink: forwarder?.state ?? 'disabled' },
        };
      },
    });
    cleanups.push(() => http.app.close());
    // Closed first: no configuration arrives while the inputs close.
    cleanups.push(() => configSync.close());

    forwarder?.start();
    const ports = { http: http.port, mqtt: embedded?.port ?? null, mllp: mllp?.port ?? null };
    log.info({ ports, dataDir: config.dataDir, mqttMode: config.mqttMode, serial: config.serialPorts }, 'gateway started');

    let closing: Promise<void> | undefined;
    return {
      config,
      ports,
      state,
      metrics,
      store,
      configSync,
      status,
      close: () =>
        (closing ??= cleanup().then(() => {
          log.info('gateway stopped');
        })),
    };
  } catch (err) {
    await cleanup().catch((e: unknown) => log.error({ err: e }, 'cleanup after a failed start failed'));
    throw err;
  }
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw EdgeErrors.EDGE_ERR_TLS_FILES.withCause(err, file, (err as Error).message);
  }
}
