/**
 * Sends one phase of one alarm to every receiver routed for it (customer, department), each rendered as an
 * ORU^R40 with the receiver's MSH-5/6, in parallel, and resolves once every one of them answered AA. One MLLP
 * client per receiver, kept open between messages.
 */
import { encodeAlertReport, type AlertEvent, type AlertPhase, type Clock } from '@vitals/shared';
import type { Logger } from '../logging.js';
import { deliverUntilAcked, type DeliveryDeps } from './delivery.js';
import { createMllpClient, type MllpClient, type MllpClientOptions } from './mllp/mllp-client.js';
import { routeAlarm, type AlarmContext, type Receiver, type ReceiverDirectory } from './store/receivers.js';

export interface AlarmMessage {
  readonly event: AlertEvent;
  readonly phase: AlertPhase;
  readonly controlId: string;
  /** Overrides the alert text (a re-send says so). */
  readonly text?: string;
}

export interface AlarmSender {
  /** Resolves with how many receivers acknowledged (0 when none is routed); `abandoned` ends the retries. */
  send(m: AlarmMessage, abandoned?: () => boolean): Promise<number>;
  close(): Promise<void>;
}

export interface AlarmSenderDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly receivers: ReceiverDirectory;
  readonly context: (e: AlertEvent) => Promise<AlarmContext>;
  readonly delivery: DeliveryDeps;
  readonly mllp: MllpClientOptions;
  readonly facility: string;
}

export function renderAlarm(
  m: AlarmMessage,
  ctx: AlarmContext,
  r: Pick<Receiver, 'receivingApplication' | 'receivingFacility'>,
  facility: string,
  nowMs: number,
): string {
  const e = m.event;
  return encodeAlertReport({
    controlId: m.controlId,
    messageTimeMs: nowMs,
    alertId: e.alertId,
    phase: m.phase,
    priority: e.priority,
    category: e.category,
    condition: e.condition,
    eventTimeMs: Date.parse(e.at),
    patient: {
      id: e.patientId,
      ...(ctx.mrn ? { mrn: ctx.mrn } : {}),
      ...(ctx.familyName ? { familyName: ctx.familyName } : {}),
      ...(ctx.givenName ? { givenName: ctx.givenName } : {}),
    },
    location: {
      ...(ctx.departmentCode ? { pointOfCare: ctx.departmentCode } : {}),
      ...(ctx.bedLabel ? { bed: ctx.bedLabel } : {}),
      ...(ctx.facility ? { facility: ctx.facility } : {}),
    },
    deviceId: e.deviceId,
    ...(e.metric !== undefined && e.value !== undefined
      ? { observation: { metric: e.metric, value: e.value, observedAtMs: Date.parse(e.at) } }
      : {}),
    ...(m.text ? { text: m.text } : {}),
    sendingFacility: facility,
    receivingApplication: r.receivingApplication,
    receivingFacility: r.receivingFacility,
  });
}

export function createAlarmSender(deps: AlarmSenderDeps): AlarmSender {
  const clients = new Map<string, MllpClient>();

  const clientFor = (r: Receiver): MllpClient => {
    const key = `${r.id}|${r.host}|${r.port}`;
    let c = clients.get(key);
    if (!c) {
      for (const [k, old] of clients) if (k.startsWith(`${r.id}|`)) void old.close().then(() => clients.delete(k));
      c = createMllpClient({ name: r.name, host: r.host, port: r.port }, deps.mllp, { clock: deps.clock, log: deps.log });
      clients.set(key, c);
    }
    return c;
  };

  return {
    async send(m, abandoned) {
      const routed = routeAlarm(await deps.receivers.forCustomer(m.event.customerId), m.event.customerId, m.event.departmentId);
      if (routed.length === 0) return 0;
      const ctx = await deps.context(m.event);
      await Promise.all(
        routed.map((r) =>
          deliverUntilAcked(
            clientFor(r),
            renderAlarm(m, ctx, r, deps.facility, deps.clock.now()),
            m.controlId,
            deps.delivery,
            abandoned,
          ),
        ),
      );
      return routed.length;
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.close()));
      clients.clear();
    },
  };
}
