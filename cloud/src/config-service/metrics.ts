/** Prometheus metrics of the configuration service, in the service's own registry. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ConfigServiceMetrics {
  readonly versionsIssued: Counter<'cause'>;
  readonly buildFailures: Counter;
  readonly publishes: Counter<'result'>;
  readonly acks: Counter<'status' | 'outcome'>;
  readonly invalidAcks: Counter;
  readonly gatewaysConnected: Gauge;
  readonly listenerUp: Gauge;
}

export function createConfigServiceMetrics(registry: Registry): ConfigServiceMetrics {
  const registers = [registry];
  return {
    versionsIssued: new Counter({
      name: 'config_versions_issued_total',
      help: 'Configuration versions issued, by cause (api, change, reconcile, schedule)',
      labelNames: ['cause'] as const,
      registers,
    }),
    buildFailures: new Counter({
      name: 'config_build_failures_total',
      help: 'Recomputations whose document failed validation (nothing issued or published)',
      registers,
    }),
    publishes: new Counter({
      name: 'config_publishes_total',
      help: 'Documents handed to the MQTT broker, by result',
      labelNames: ['result'] as const,
      registers,
    }),
    acks: new Counter({
      name: 'config_acks_total',
      help: 'Acknowledgements recorded, by status and outcome (recorded, older, never-issued, unknown-gateway)',
      labelNames: ['status', 'outcome'] as const,
      registers,
    }),
    invalidAcks: new Counter({
      name: 'config_invalid_acks_total',
      help: 'Acknowledgement payloads that are not a ConfigAck (dropped)',
      registers,
    }),
    gatewaysConnected: new Gauge({
      name: 'config_gateways_connected',
      help: 'Gateways connected to the embedded broker',
      registers,
    }),
    listenerUp: new Gauge({
      name: 'config_change_listener_up',
      help: '1 while the PostgreSQL change listener is connected',
      registers,
    }),
  };
}
