/**
 * Applies configuration documents atomically: decide (decide.ts), persist the document in SQLite (one
 * transaction), then swap the compiled configuration in one assignment, so the next reading is evaluated wholly
 * under the new version and never under a mix; listeners (nurses' view, device settings) hear of it afterwards.
 * Returns the acknowledgement to send: `applied`, `rejected` with the reason (the previous version keeps
 * running), or the applied version again for a redelivered or older document.
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { Clock, ConfigAck } from '@vitals/shared';
import type { Logger } from 'pino';
import { EdgeErrors } from '../errors.js';
import { compileConfig, type CompiledConfig } from './compiled-config.js';
import type { ConfigStore, ReceiptOutcome } from './config-store.js';
import { decide } from './decide.js';

export type AppliedListener = (next: CompiledConfig, previous: CompiledConfig) => void;

export interface Rejection {
  readonly version: number;
  readonly reason: string;
  readonly atMs: number;
}

export interface ConfigApplier {
  current(): CompiledConfig;
  appliedAtMs(): number | null;
  lastRejection(): Rejection | undefined;
  lastReceivedAtMs(): number | null;
  /** Handles one payload from the config topic; the acknowledgement to publish, or undefined for none. */
  receive(payload: Buffer): ConfigAck | undefined;
  onApplied(listener: AppliedListener): void;
}

export interface ConfigApplierOptions {
  readonly gatewayId: string;
  readonly store: ConfigStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry?: Registry;
}

export function createConfigApplier(o: ConfigApplierOptions): ConfigApplier {
  const log = o.log;
  const persisted = o.store.loadApplied();
  let compiled = compileConfig(persisted?.document);
  let appliedAt: number | null = persisted?.appliedAtMs ?? null;
  let rejection: Rejection | undefined;
  let receivedAt: number | null = null;
  const listeners: AppliedListener[] = [];
  const registers = o.registry ? [o.registry] : [];
  const receipts = new Counter({
    name: 'edge_config_receipts_total',
    help: 'Configuration documents received, by outcome (applied, rejected, older, repeated)',
    labelNames: ['outcome'] as const,
    registers,
  });
  new Gauge({
    name: 'edge_config_version',
    help: 'Version of the configuration document the gateway runs (0: none, catalog defaults)',
    registers,
    collect() {
      this.set(compiled.version);
    },
  });
  if (persisted) log.info({ version: persisted.document.version }, 'configuration restored from the buffer');

  const note = (outcome: ReceiptOutcome, version: number | null, reason: string | null) => {
    receipts.inc({ outcome });
    o.store.recordReceipt(o.clock.now(), version, outcome, reason);
  };
  const appliedAck = (): ConfigAck => ({ version: compiled.version, status: 'applied', appliedVersion: compiled.version });
  const reject = (version: number, why: string): ConfigAck => {
    const reason = why.slice(0, 1000);
    note('rejected', version, reason);
    rejection = { version, reason, atMs: o.clock.now() };
    log.warn(
      { err: EdgeErrors.EDGE_ERR_CONFIG_REJECTED(version, reason), version },
      'configuration rejected; the previous version stays',
    );
    return { version, status: 'rejected', reason, appliedVersion: compiled.version };
  };

  return {
    current: () => compiled,
    appliedAtMs: () => appliedAt,
    lastRejection: () => rejection,
    lastReceivedAtMs: () => receivedAt,
    onApplied: (l) => void listeners.push(l),
    receive(payload) {
      receivedAt = o.clock.now();
      const d = decide(payload, o.gatewayId, compiled.version);
      switch (d.kind) {
        case 'cleared':
          log.warn("the cloud cleared this gateway's configuration (gateway deleted?); keeping the applied version");
          return undefined;
        case 'older':
          note('older', d.version, null);
          log.info({ version: d.version, applied: compiled.version }, 'configuration older than the applied one ignored');
          return appliedAck();
        case 'same':
          note('repeated', d.version, null);
          return appliedAck();
        case 'reject':
          return reject(d.version, d.reason);
        case 'apply': {
          const next = compileConfig(d.document);
          const now = o.clock.now();
          try {
            o.store.saveApplied(d.document, now);
          } catch (err) {
            return reject(d.document.version, `cannot persist the document: ${(err as Error).message}`);
          }
          const previous = compiled;
          compiled = next;
          appliedAt = now;
          receipts.inc({ outcome: 'applied' });
          if (rejection && rejection.version <= next.version) rejection = undefined;
          log.info({ version: next.version, previous: previous.version }, 'configuration applied');
          for (const l of listeners) {
            try {
              l(next, previous);
            } catch (err) {
              log.error({ err }, 'a configuration listener failed (the configuration is applied)');
            }
          }
          return appliedAck();
        }
      }
    },
  };
}
