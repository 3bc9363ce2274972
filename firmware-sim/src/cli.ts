/** `vitals sim`: the CLI entry of the device simulator. Builds the command cheaply; the action loads the simulator. */
import { Command } from 'commander';
import { portOption, positiveIntOption } from '@vitals/shared';

/** Flag -> setting of firmware-sim/src/config.ts (flags override the SIM_* environment variables). */
const FLAGS = {
  devices: '--devices',
  transports: '--transport',
  mqttUrl: '--mqtt-url',
  mqttPassword: '--mqtt-password',
  mllp: '--mllp',
  serialPaths: '--serial',
  baudRate: '--baud',
  rate: '--rate',
  totalRate: '--total-rate',
  scenario: '--scenario',
  deterioration: '--deterioration',
  seed: '--seed',
  duration: '--duration',
  ledgerFile: '--ledger',
  devicePrefix: '--device-prefix',
  port: '--port',
  host: '--host',
  artefactRate: '--artefact-rate',
  batch: '--batch',
  maxInflight: '--max-inflight',
  ackTimeoutMs: '--ack-timeout',
  timestampFormat: '--timestamp-format',
  logLevel: '--log-level',
} as const;

type FlagKey = keyof typeof FLAGS;

/** commander's property name of a flag: `--mqtt-url` -> `mqttUrl`. */
function attributeOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function simCommand(): Command {
  return new Command('sim')
    .description('run simulated bedside monitors (MQTT JSON frames, HL7 ORU^R01 over serial or MLLP/TCP) and record a ledger')
    .option('--devices <n>', 'number of monitors (env SIM_DEVICES, default 1)', positiveIntOption)
    .option('--transport <list>', 'mqtt | mllp-tcp | serial, or a comma-separated mix (env SIM_TRANSPORT, default mqtt)')
    .option('--mqtt-url <url>', 'MQTT broker (env SIM_MQTT_URL, default mqtt://127.0.0.1:1884)')
    .option('--mqtt-password <pattern>', 'MQTT password, {deviceId} is replaced (env SIM_MQTT_PASSWORD)')
    .option('--mllp <host:port>', 'MLLP listener for mllp-tcp monitors (env SIM_MLLP, default 127.0.0.1:2575)')
    .option('--serial <paths>', 'serial ports, comma-separated, one per serial monitor (env SIM_SERIAL)')
    .option('--baud <rate>', 'serial baud rate (env SIM_BAUD, default 115200)', positiveIntOption)
    .option('--rate <fps>', 'frames per second per monitor (env SIM_RATE, default 1)')
    .option('--total-rate <fps>', 'frames per second for the whole fleet (env SIM_TOTAL_RATE)')
    .option('--scenario <name>', 'stable | sepsis | mixed (env SIM_SCENARIO, default stable)')
    .option('--deterioration <duration>', 'sepsis: time to the full picture, e.g. 30m (env SIM_DETERIORATION)')
    .option('--seed <seed>', 'random seed (env SIM_SEED, default 1)')
    .option('--duration <duration>', 'stop after e.g. 10m; 0 = until SIGINT/SIGTERM (env SIM_DURATION)')
    .option('--ledger <file.jsonl>', 'write the ledger of sends and acknowledgements (env SIM_LEDGER)')
    .option('--device-prefix <prefix>', 'device id prefix (env SIM_DEVICE_PREFIX, default SIM-)')
    .option('--port <port>', 'port of the HTTP control API, 0 = any (env SIM_PORT; default off)', portOption)
    .option('--host <address>', 'address of the control API (env SIM_HOST, default 127.0.0.1)')
    .option('--artefact-rate <p>', 'chance per frame of a probe-off artefact (env SIM_ARTEFACT_RATE, default 0.002)')
    .option('--batch <n>', 'MQTT frames per message (env SIM_BATCH, default 1)', positiveIntOption)
    .option('--max-inflight <n>', 'sends awaiting an answer per monitor (env SIM_MAX_INFLIGHT)', positiveIntOption)
    .option('--ack-timeout <duration>', 'HL7 ACK timeout (env SIM_ACK_TIMEOUT, default 10s)')
    .option('--timestamp-format <format>', 'iso | epoch (env SIM_TIMESTAMP_FORMAT, default iso)')
    .option('--log-level <level>', 'pino level on stderr (env SIM_LOG_LEVEL, default info)')
    .action(async (opts: Record<string, string | number | undefined>) => {
      const flags: Partial<Record<FlagKey, string>> = {};
      for (const key of Object.keys(FLAGS) as FlagKey[]) {
        const value = opts[attributeOf(FLAGS[key])];
        if (value !== undefined) flags[key] = String(value);
      }
      try {
        const { loadSimConfig } = await import('./config.js');
        const { runSimulator } = await import('./run.js');
        await runSimulator(loadSimConfig(process.env, flags, FLAGS));
        process.exit(0);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        process.stderr.write(`vitals: error${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}\n`);
        process.exit(1);
      }
    });
}
