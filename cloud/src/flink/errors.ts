/**
 * Error registry of the Flink client (`FLINK_ERR_*`): the SQL Gateway and JobManager REST calls that submit,
 * watch, savepoint and stop the stream jobs. Every code is listed in docs/errors.md (a test checks).
 */
import { defineErrors } from '@vitals/shared';

export const FlinkErrors = defineErrors({
  FLINK_ERR_UNREACHABLE: { message: 'Flink %s at %s is unreachable: %s', retriable: true },
  FLINK_ERR_HTTP: { message: 'Flink %s answered %s %s with HTTP %s: %s', retriable: true },
  FLINK_ERR_STATEMENT_FAILED: { message: 'Flink SQL statement %s failed: %s', retriable: false },
  FLINK_ERR_NO_JOB_ID: { message: 'Flink SQL statement %s started no job (result: %s)', retriable: false },
  FLINK_ERR_JOB_NOT_FOUND: { message: 'no Flink job %s', retriable: false },
  FLINK_ERR_JOB_ENDED: { message: 'Flink job %s is %s, not %s', retriable: false },
  FLINK_ERR_SAVEPOINT_FAILED: { message: 'savepoint of Flink job %s failed: %s', retriable: true },
  FLINK_ERR_TIMEOUT: { message: 'timed out after %s ms waiting for %s', retriable: true },
  FLINK_ERR_SQL_SCRIPT: { message: 'Flink SQL script %s: %s', retriable: false },
});
