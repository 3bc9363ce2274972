/**
 * Error registry of the configuration service (`CONFIG_ERR_*`), beside the shared `CLOUD_ERR_*` codes its HTTP
 * layer also answers with (401, 403, 404, 412, 429, 503). Every code is listed in docs/errors.md (a test checks).
 */
import { defineErrors } from '@vitals/shared';

export const ConfigServiceErrors = defineErrors({
  CONFIG_ERR_INVALID_DOCUMENT: {
    message: 'the change would give gateway %s an invalid configuration document: %s',
    status: 400,
    retriable: false,
  },
  CONFIG_ERR_INVALID_RULE: { message: 'invalid alert threshold: %s', status: 400, retriable: false },
  CONFIG_ERR_NO_VERSION: { message: 'gateway %s has no configuration version %s', status: 404, retriable: false },
  CONFIG_ERR_BUILD_FAILED: { message: 'cannot build the configuration of gateway %s: %s', retriable: true },
  CONFIG_ERR_PUBLISH_FAILED: { message: 'publishing version %s to gateway %s failed: %s', retriable: true },
  CONFIG_ERR_BROKER_UNAVAILABLE: { message: 'the MQTT broker at %s is unavailable: %s', status: 503, retriable: true },
  CONFIG_ERR_MQTT_LISTEN: { message: 'cannot listen for MQTT on %s:%s: %s', retriable: false },
  CONFIG_ERR_TLS_FILES: { message: 'cannot read TLS file %s: %s', retriable: false },
  CONFIG_ERR_GATEWAY_AUTH: { message: 'gateway %s failed MQTT authentication: %s', status: 401, retriable: false },
  CONFIG_ERR_TOPIC_DENIED: { message: 'gateway %s may not %s %s', status: 403, retriable: false },
  CONFIG_ERR_INVALID_ACK: { message: 'acknowledgement from gateway %s is not a ConfigAck: %s', status: 400, retriable: false },
});

export type ConfigServiceErrorCode = keyof typeof ConfigServiceErrors;
