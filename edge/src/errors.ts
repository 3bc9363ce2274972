/** Error registry of the edge gateway. Keep docs/errors.md in step (edge/src/docs.test.ts checks). */
import { defineErrors } from '@vitals/shared';

export const EdgeErrors = defineErrors({
  EDGE_ERR_DISK_TOO_SMALL: {
    message: 'free disk space at %s (%s bytes) cannot hold the buffer (%s more bytes needed plus the %s bytes reserve)',
    retriable: false,
  },
  EDGE_ERR_BUFFER_OPEN: { message: 'cannot open the SQLite buffer at %s: %s', retriable: false },
  EDGE_ERR_BUFFER_SCHEMA: {
    message: 'the buffer at %s has schema version %s, newer than this gateway understands (%s)',
    retriable: false,
  },
  EDGE_ERR_BUFFER_WRITE: { message: 'committing %s frames to the buffer failed: %s', status: 503, retriable: true },
  EDGE_ERR_BUFFER_CLOSED: { message: 'the buffer is closed (the gateway is shutting down)', status: 503, retriable: true },
  EDGE_ERR_CREDENTIALS_FILE: { message: 'cannot read the device credentials file %s: %s', retriable: false },
  EDGE_ERR_TLS_FILES: { message: 'cannot read TLS file %s: %s', retriable: false },
  EDGE_ERR_LISTEN: { message: 'cannot listen for %s on %s:%s: %s', retriable: false },
  EDGE_ERR_DEVICE_AUTH: { message: 'device %s failed authentication: %s', status: 401, retriable: false },
  EDGE_ERR_SERIAL_OPEN: { message: 'cannot open serial port %s: %s', retriable: true },
  EDGE_ERR_UPLINK_UNREACHABLE: { message: 'cloud at %s is unreachable: %s', retriable: true },
  EDGE_ERR_UPLINK_TLS: { message: 'TLS to the cloud at %s failed: %s', retriable: true },
  EDGE_ERR_UPLINK_TIMEOUT: { message: 'cloud at %s did not answer within %s ms', retriable: true },
  EDGE_ERR_UPLINK_HTTP: { message: 'cloud answered HTTP %s: %s', retriable: true },
  EDGE_ERR_UPLINK_AUTH: { message: 'cloud refused the gateway token (HTTP %s); check GATEWAY_TOKEN', retriable: true },
  EDGE_ERR_UPLINK_BAD_RESPONSE: { message: 'cloud answer does not match the batch contract: %s', retriable: true },
  EDGE_ERR_UPLINK_CIRCUIT_OPEN: { message: 'uplink circuit breaker is open after repeated failures', retriable: true },
  EDGE_ERR_CONFIG_REJECTED: { message: 'configuration version %s not applied: %s', retriable: false },
  EDGE_ERR_CONFIG_UPLINK: { message: 'config broker at %s: %s', retriable: true },
  EDGE_ERR_ALARM_NOT_FOUND: { message: 'no active alarm %s', status: 404, retriable: false },
});

export type EdgeErrorCode = keyof typeof EdgeErrors;
