/** The Flink client: SQL Gateway sessions and statements, JobManager jobs, checkpoints and savepoints. */
export { FlinkErrors } from './errors.js';
export { httpStatusOf } from './rest.js';
export {
  jobManagerClient,
  JOB_STATES,
  TERMINAL_JOB_STATES,
  type JobManagerClient,
  type JobState,
  type JobSummary,
  type ClusterOverview,
  type CheckpointSummary,
  type JobException,
} from './job-manager.js';
export { sqlGatewayClient, statementLabel, type SqlGatewayClient, type SqlSession, type StatementResult } from './sql-gateway.js';
export { renderSql, splitStatements } from './sql-script.js';
export { analyticsSqlOf, QUERIES_JSON_FILE, QUERIES_SQL_FILE } from './analytics-sql.js';
