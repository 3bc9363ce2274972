/**
 * Submits a Flink SQL script (`docker/**.sql`, rendered) through the SQL Gateway in one session: its SET
 * statements configure that session, its statement set starts one job. Shared by the enricher and analytics jobs.
 */
import { FlinkErrors } from './errors.js';
import type { SqlGatewayClient } from './sql-gateway.js';

/**
 * Runs `statements` in a new session named `jobName`; `recoveryPath` (a checkpoint or savepoint) resumes the
 * job with its state and source offsets. Returns the id of the job the script started.
 */
export async function submitSqlJob(
  gateway: SqlGatewayClient,
  file: string,
  statements: readonly string[],
  jobName: string,
  recoveryPath?: string,
): Promise<string> {
  const session = await gateway.openSession(recoveryPath ? { 'execution.state-recovery.path': recoveryPath } : {}, jobName);
  try {
    let jobId: string | undefined;
    for (const s of statements) {
      const r = await session.execute(s);
      if (r.jobId) jobId = r.jobId;
    }
    if (!jobId) throw FlinkErrors.FLINK_ERR_SQL_SCRIPT(file, 'it started no job');
    return jobId;
  } finally {
    await session.close();
  }
}
