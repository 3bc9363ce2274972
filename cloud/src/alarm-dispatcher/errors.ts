/**
 * Error registry of the alarm dispatcher (`DISPATCHER_ERR_*`). Every code is listed in docs/errors.md (a test
 * checks). None crosses HTTP; each is logged with the receiver and the message control id, and the message is
 * sent again (alarms are never dropped).
 */
import { defineErrors } from '@vitals/shared';

export const DispatcherErrors = defineErrors({
  DISPATCHER_ERR_CONNECT: { message: 'receiver %s (%s): connection failed: %s', retriable: true },
  DISPATCHER_ERR_DISCONNECTED: { message: 'receiver %s (%s): connection lost before the ACK of %s', retriable: true },
  DISPATCHER_ERR_ACK_TIMEOUT: { message: 'receiver %s (%s): no ACK for %s within %s ms', retriable: true },
  DISPATCHER_ERR_NEGATIVE_ACK: { message: 'receiver %s (%s) answered %s to %s: %s', retriable: true },
  DISPATCHER_ERR_BAD_EVENT: { message: 'alert event at %s is not an AlertEvent (%s); skipped', retriable: false },
  DISPATCHER_ERR_TOPIC_MISSING: { message: 'Kafka topic %s (DISPATCHER_INPUT_TOPIC) does not exist', retriable: true },
  DISPATCHER_ERR_REVOKED: {
    message: 'the partition of %s moved to another dispatcher instance, which sends it (same control id)',
    retriable: true,
  },
  DISPATCHER_ERR_STOPPED: {
    message: 'the dispatcher is stopping; %s is not acknowledged and is sent again after the restart',
    retriable: true,
  },
});

export type DispatcherErrorCode = keyof typeof DispatcherErrors;
