/**
 * Error registry of the analytics service (`ANALYTICS_ERR_*`). Every code is listed in docs/errors.md (a test
 * checks). Requests that fail on authentication, roles, validation or a resource the caller cannot see answer
 * with the shared `CLOUD_ERR_*` codes, exactly like the storage API; these are the analytics' own.
 */
import { defineErrors } from '@vitals/shared';

export const AnalyticsErrors = defineErrors({
  ANALYTICS_ERR_QUERIES_FILE: { message: 'window definitions file %s: %s', retriable: false },
  ANALYTICS_ERR_QUERY_INVALID: { message: 'invalid window definitions in %s:\n  - %s', retriable: false },
  ANALYTICS_ERR_QUERY_CHANGED: {
    message: 'query %s changed its %s since its rows were written (stored %s, now %s); give the new definition a new id',
    retriable: false,
  },
  ANALYTICS_ERR_SCHEMA: {
    message: 'the database lacks the analytics tables (%s): run `npx vitals db migrate`',
    retriable: false,
  },
  ANALYTICS_ERR_TOPIC_MISSING: { message: 'Kafka topic %s (%s) does not exist', retriable: true },
  ANALYTICS_ERR_UNKNOWN_QUERY: { message: 'no window query named %s', status: 404, retriable: false },
  ANALYTICS_ERR_QUERY_GROUP: { message: 'query %s groups by %s, not by %s', status: 400, retriable: false },
  ANALYTICS_ERR_TIME_RANGE: { message: 'invalid time range: %s', status: 400, retriable: false },
  ANALYTICS_ERR_PARTITION_FENCED: {
    message: 'partition %s was committed by another instance (stored %s, expected %s); reloading it',
    retriable: true,
  },
  ANALYTICS_ERR_SINK_FAILED: { message: 'committing partition %s to PostgreSQL failed: %s', retriable: true },
  ANALYTICS_ERR_PUBLISH_FAILED: { message: 'producing %s records to %s failed: %s', retriable: true },
  ANALYTICS_ERR_WS_UPGRADE_REQUIRED: {
    message: '%s is a WebSocket endpoint: send an Upgrade request',
    status: 426,
    retriable: false,
  },
  ANALYTICS_ERR_WS_PROTOCOL: { message: 'WebSocket message not understood: %s', status: 400, retriable: false },
  ANALYTICS_ERR_WS_AUTH_TIMEOUT: { message: 'no auth message within %s ms', status: 401, retriable: true },
  ANALYTICS_ERR_WS_TOO_MANY_SUBSCRIPTIONS: { message: 'at most %s subscriptions per connection', status: 429, retriable: false },
  ANALYTICS_ERR_WS_SLOW_CONSUMER: { message: 'slow consumer: more than %s bytes unsent', retriable: true },
});

export type AnalyticsErrorCode = keyof typeof AnalyticsErrors;
