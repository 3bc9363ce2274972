/**
 * One record of the alerts topic, start to finish: decode and check it, plan its phase and control id, send it to
 * every routed receiver until each acknowledged, then arm or disarm the re-send of an unanswered high alarm. Only
 * after this resolves does the caller commit the record's offset, so a crash anywhere in here means the record is
 * handled again, with the same control ids and idempotent writes.
 */
import { AlertEventSchema, createValidator, type AlertEvent, type Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import type { AlarmSender } from './alarm-sender.js';
import { alertControlId, planFor, resendSequence } from './domain/dispatch-plan.js';
import { DispatcherErrors } from './errors.js';
import type { DispatcherMetrics } from './metrics.js';
import type { Escalation, EscalationStore } from './store/escalations.js';

export interface AlertRecord {
  readonly partition: number;
  readonly offset: string;
  readonly value: string | null;
  /** The record's Kafka timestamp (latency metric). */
  readonly timestampMs?: number;
}

export interface HandlerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly sender: AlarmSender;
  readonly escalations: EscalationStore;
  readonly metrics?: DispatcherMetrics;
  /** A record was handled and every routed receiver (`receivers` of them) acknowledged it. */
  readonly onHandled?: (event: AlertEvent, receivers: number) => void;
}

const alertEvents = createValidator(AlertEventSchema);

export function decodeAlertEvent(value: string | null): AlertEvent | string {
  if (value === null) return 'empty value';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'not JSON';
  }
  if (!alertEvents.check(parsed)) return alertEvents.problems(parsed, 3).join('; ');
  return parsed;
}

export async function handleAlertRecord(
  rec: AlertRecord,
  deps: HandlerDeps,
  abandoned: () => boolean = () => false,
): Promise<void> {
  const event = decodeAlertEvent(rec.value);
  if (typeof event === 'string') {
    deps.log.error(
      { err: DispatcherErrors.DISPATCHER_ERR_BAD_EVENT(`${rec.partition}/${rec.offset}`, event) },
      'alert event skipped',
    );
    deps.metrics?.badEvents.inc();
    return;
  }
  const plan = planFor(event, rec.offset);
  const controlId = alertControlId(event.alertId, plan.phase, plan.sequence);
  const receivers = await deps.sender.send({ event, phase: plan.phase, controlId }, abandoned);
  if (plan.escalation === 'arm') {
    await deps.escalations.arm({
      alertId: event.alertId,
      partition: rec.partition,
      event,
      sourceOffset: rec.offset,
      highSinceMs: deps.clock.now(),
    });
  } else if (plan.escalation === 'disarm') {
    await deps.escalations.disarm(event.alertId);
  }
  deps.log.debug({ alertId: event.alertId, phase: plan.phase, controlId, receivers }, 'alarm dispatched');
  if (receivers > 0) {
    deps.metrics?.delivered(plan.phase, false, receivers);
    if (rec.timestampMs !== undefined) deps.metrics?.latency.observe(Math.max(0, deps.clock.now() - rec.timestampMs) / 1000);
  }
  deps.onHandled?.(event, receivers);
}

/** Sends re-send k of an armed alarm (phase update, its own control id), then counts it as sent. */
export async function resendEscalation(
  esc: Escalation,
  k: number,
  deps: HandlerDeps,
  abandoned: () => boolean = () => false,
): Promise<void> {
  const controlId = alertControlId(esc.alertId, 'update', resendSequence(esc.sourceOffset, k));
  const receivers = await deps.sender.send(
    {
      event: esc.event,
      phase: 'update',
      controlId,
      text: `unanswered high-priority alarm, re-sent (${k})`,
    },
    abandoned,
  );
  await deps.escalations.recordResend(esc.alertId, k);
  if (receivers > 0) deps.metrics?.delivered('update', true, receivers);
  deps.log.info({ alertId: esc.alertId, resend: k, controlId, receivers }, 'unanswered high-priority alarm re-sent');
}
