/** Error registry of the stack and database tooling. Keep docs/errors.md in step (a test checks). */
import { defineErrors } from '@vitals/shared';

export const StackErrors = defineErrors({
  STACK_ERR_TOOL_MISSING: { message: '%s was not found (%s); install it or set %s', retriable: false },
  STACK_ERR_MAVEN_FAILED: { message: 'Maven could not fetch %s: %s', retriable: true },
  STACK_ERR_POSTGRES_UNREACHABLE: { message: 'PostgreSQL at %s is unreachable: %s', retriable: true },
  STACK_ERR_WAL_LEVEL: { message: 'PostgreSQL has wal_level=%s; Debezium needs logical. %s', retriable: false },
  STACK_ERR_FLYWAY_FAILED: { message: 'flyway %s failed: %s', retriable: false },
  STACK_ERR_PROCESS_START: { message: '%s did not become ready: %s (log: %s)', retriable: true },
  STACK_ERR_CONNECTOR_FAILED: { message: 'Debezium connector %s is not running: %s', retriable: true },
  STACK_ERR_NOT_RUNNING: { message: '%s is not running', retriable: true },
  STACK_ERR_INTERRUPTED: { message: 'interrupted while %s', retriable: true },
  STACK_ERR_ALREADY_RUNNING: {
    message: 'vitals start already runs here as process %s (since %s); stop it with Ctrl-C in its terminal or `kill %s`',
    retriable: true,
  },
});
