/**
 * `vitals sim` as a process: builds the fleet from the settings, starts the simulation and the optional
 * control API, logs progress, stops on SIGINT/SIGTERM or after the duration, flushes the ledger, prints
 * the final counts on stdout.
 */
import pino from 'pino';
import { systemClock } from '@vitals/shared';
import type { SimConfig } from './config.js';
import { startControlApi, type ControlApi } from './control-api.js';
import { buildFleet } from './fleet.js';
import { createSimulation } from './simulation.js';

export async function runSimulator(config: SimConfig): Promise<void> {
  const log = pino({ name: 'vitals-sim', level: config.logLevel }, pino.destination(2));
  const devices = buildFleet({
    count: config.devices,
    prefix: config.devicePrefix,
    transports: config.transports,
    mqttUrl: config.mqttUrl,
    mqttPassword: config.mqttPassword,
    mllp: config.mllp,
    serialPaths: config.serialPaths,
    baudRate: config.baudRate,
    scenario: config.scenario,
    sepsisDurationMs: config.deterioration,
    artefactRate: config.artefactRate,
    batch: config.batch,
    timestampFormat: config.timestampFormat,
    ...(config.maxInflight !== undefined ? { maxInflight: config.maxInflight } : {}),
  });
  const sim = createSimulation(
    {
      devices,
      seed: config.seed,
      rate: config.totalRate > 0 ? { total: config.totalRate } : { perDevice: config.rate },
      ...(config.ledgerFile ? { ledgerFile: config.ledgerFile } : {}),
      keepLedgerInMemory: false,
      ackTimeoutMs: config.ackTimeoutMs,
    },
    { logger: log, clock: systemClock },
  );

  let api: ControlApi | undefined;
  let stopping: Promise<void> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const progress = systemClock.setInterval(() => log.info({ ledger: sim.ledger.counts() }, 'progress'), 10_000);
  const durationTimer =
    config.duration > 0 ? systemClock.setTimeout(() => void stop('duration reached'), config.duration) : undefined;

  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ why }, 'stopping');
      systemClock.clearInterval(progress);
      if (durationTimer !== undefined) systemClock.clearTimeout(durationTimer);
      await api?.close();
      const counts = await sim.stop();
      process.stdout.write(`${JSON.stringify({ ledger: counts, ledgerFile: config.ledgerFile || null })}\n`);
    })().finally(finished);
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without a clean stop');
      process.exit(130);
    }
    void stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  await sim.start();
  if (config.port !== undefined) {
    api = await startControlApi(sim, { host: config.host, port: config.port, log });
    log.info({ url: api.url }, 'control API listening');
    process.stderr.write(`vitals sim: control API at ${api.url}\n`);
  }
  log.info(
    { devices: devices.length, transports: config.transports, scenario: config.scenario, seed: config.seed },
    'simulation running',
  );
  await done;
}
