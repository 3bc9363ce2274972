/**
 * The gateway's configuration push-down and local alarms, wired: the applied document (restored from SQLite at
 * start), the alarm engine fed by every committed batch, the ward layout in the local state, device settings
 * forwarded on the gateway's own broker, and the client to the cloud's config broker.
 */
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { Clock } from '@vitals/shared';
import type { Logger } from 'pino';
import { AlarmEngine } from '../alarms/alarm-engine.js';
import { createAlarmLog } from '../alarms/alarm-log.js';
import { createAlarmStore } from '../alarms/alarm-store.js';
import type { Db } from '../buffer/open-database.js';
import type { EdgeConfig } from '../config.js';
import { EdgeErrors } from '../errors.js';
import type { ConfigView } from '../http/routes/config.js';
import type { LocalState, WardView } from '../local-state.js';
import type { CompiledConfig } from './compiled-config.js';
import { createConfigApplier, type ConfigApplier } from './config-applier.js';
import { startConfigClient, type ConfigClient } from './config-client.js';
import { ConfigStore } from './config-store.js';
import { createSettingsForwarder, type RetainedPublish } from './settings-forwarder.js';

export interface ConfigSync {
  readonly applier: ConfigApplier;
  readonly alarms: AlarmEngine;
  /** Starts forwarding device settings on the gateway's broker (everything applied is published once now). */
  attachDevices(topic: (deviceId: string) => string, publish: RetainedPublish | undefined): void;
  /** Connects to the cloud's config broker when EDGE_CONFIG_MQTT_URL is set. */
  connect(): void;
  view(): ConfigView;
  /** Connected to the config broker (false when disabled). */
  connected(): boolean;
  close(): Promise<void>;
}

export interface ConfigSyncOptions {
  readonly config: EdgeConfig;
  readonly db: Db;
  readonly state: LocalState;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
}

export function wardOf(c: CompiledConfig): WardView {
  return {
    configVersion: c.version,
    departmentId: c.document?.departmentId ?? null,
    beds: (c.document?.beds ?? []).map((b) => ({
      bedId: b.bedId,
      label: b.label,
      patientId: b.patient?.id ?? null,
      patientDisplayName: b.patient?.displayName ?? null,
      deviceIds: b.deviceIds,
    })),
  };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw EdgeErrors.EDGE_ERR_TLS_FILES.withCause(err, file, (err as Error).message);
  }
}

export function createConfigSync(o: ConfigSyncOptions): ConfigSync {
  const { config, state, clock } = o;
  const log = o.log.child({ unit: 'config-sync' });
  const applier = createConfigApplier({
    gatewayId: config.gatewayId,
    store: ConfigStore.create(o.db),
    clock,
    log,
    registry: o.registry,
  });
  const alarms = new AlarmEngine({
    clock,
    log: o.log.child({ unit: 'alarms' }),
    state,
    store: createAlarmStore(o.db, createAlarmLog(o.db, config.alarmLogMaxRows)),
    config: () => applier.current(),
    liveWindowMs: config.liveWindow,
    registry: o.registry,
  });
  state.on('readings', (readings) => alarms.onReadings(readings));
  state.setWard(wardOf(applier.current()));
  applier.onApplied((next) => {
    state.setWard(wardOf(next));
    alarms.relabel();
  });
  let client: ConfigClient | undefined;
  const caFile = config.configCaFile ?? config.cloudCaFile;
  const ca = config.configMqttUrl && caFile ? readCa(caFile) : undefined;

  return {
    applier,
    alarms,
    attachDevices(topic, publish) {
      const forwarder = createSettingsForwarder({ topic, publish, log });
      forwarder.forward(applier.current(), undefined);
      applier.onApplied((next, previous) => forwarder.forward(next, previous));
    },
    connect() {
      if (!config.configMqttUrl) {
        log.warn('EDGE_CONFIG_MQTT_URL is not set: no configuration push-down (the applied document, else catalog defaults)');
        return;
      }
      client = startConfigClient({
        url: config.configMqttUrl,
        gatewayId: config.gatewayId,
        clientId: config.configClientId || `vitals-gw-${config.gatewayId}`,
        username: config.configUsername || config.gatewayId,
        password: config.configPassword || config.gatewayToken,
        ...(ca ? { ca } : {}),
        applier,
        clock,
        log,
      });
    },
    view() {
      const c = applier.current();
      const doc = c.document;
      const appliedAt = applier.appliedAtMs();
      const received = applier.lastReceivedAtMs();
      const rejection = applier.lastRejection();
      return {
        version: c.version,
        appliedAt: appliedAt === null ? null : new Date(appliedAt).toISOString(),
        issuedAt: doc?.issuedAt ?? null,
        departmentId: doc?.departmentId ?? null,
        patientNamePolicy: doc?.patientNamePolicy ?? null,
        beds: doc?.beds ?? [],
        thresholds: doc?.thresholds ?? [],
        deviceSettings: doc?.deviceSettings ?? [],
        sync: {
          enabled: config.configMqttUrl !== null,
          url: config.configMqttUrl,
          connected: client?.connected() ?? false,
          lastError: client?.lastError() ?? null,
          lastReceivedAt: received === null ? null : new Date(received).toISOString(),
          lastRejection: rejection
            ? { version: rejection.version, reason: rejection.reason, at: new Date(rejection.atMs).toISOString() }
            : null,
        },
      };
    },
    connected: () => client?.connected() ?? false,
    close: async () => {
      await client?.close();
    },
  };
}
