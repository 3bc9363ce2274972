/** The alarm dispatcher's Prometheus metrics (`/metrics` on DISPATCHER_PORT). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface DispatcherMetrics {
  /** A message every routed receiver acknowledged, by phase (start, update, end) and whether it was a re-send. */
  delivered(phase: string, resend: boolean, receivers: number): void;
  /** A failed attempt to one receiver, by error code. */
  retried(code: string): void;
  /** Seconds from the alert's Kafka record timestamp to the last receiver's ACK. */
  readonly latency: Histogram;
  readonly badEvents: Counter;
  readonly partitions: Gauge;
  readonly armed: Gauge;
}

export function createDispatcherMetrics(registry: Registry): DispatcherMetrics {
  const messages = new Counter({
    name: 'dispatcher_messages_total',
    help: 'ORU^R40 messages acknowledged (AA) by every routed receiver, by phase and re-send',
    labelNames: ['phase', 'resend'],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'dispatcher_receiver_acks_total',
    help: 'Acknowledgements (AA) received from receivers',
    registers: [registry],
  });
  const retries = new Counter({
    name: 'dispatcher_retries_total',
    help: 'Attempts to a receiver that failed and were retried, by error code (AE/AR, timeout, connection)',
    labelNames: ['code'],
    registers: [registry],
  });
  return {
    delivered(phase, resend, receivers) {
      messages.inc({ phase, resend: String(resend) });
      deliveries.inc(receivers);
    },
    retried(code) {
      retries.inc({ code });
    },
    latency: new Histogram({
      name: 'dispatcher_alarm_latency_seconds',
      help: 'From the alert record timestamp on the topic to the ACK of the last receiver',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    badEvents: new Counter({
      name: 'dispatcher_bad_events_total',
      help: 'Records of the alerts topic that are not AlertEvents (skipped)',
      registers: [registry],
    }),
    partitions: new Gauge({
      name: 'dispatcher_partitions_assigned',
      help: 'Partitions of the alerts topic this instance holds',
      registers: [registry],
    }),
    armed: new Gauge({
      name: 'dispatcher_escalations_armed',
      help: 'Unanswered high-priority alarms of the held partitions still due a re-send (at the last tick)',
      registers: [registry],
    }),
  };
}
