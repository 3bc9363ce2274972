import { describe, expect, it } from 'vitest';
import { METRIC_CATALOG, METRIC_CODES } from '@vitals/shared';
import { enricherStatements, type EnricherJobOptions } from './enricher-job.js';

const options: EnricherJobOptions = {
  jobName: 'enricher',
  kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
  groupId: 'flink-enricher',
  transactionalIdPrefix: 'flink-enricher',
  cdcTopicPrefix: 'db-changes',
  startFrom: 'earliest',
};

describe('the enricher job script', () => {
  it('renders every placeholder and splits into settings, tables, views and one statement set', async () => {
    const statements = await enricherStatements(options);
    expect(statements.join('\n')).not.toContain('${');
    expect(statements.filter((s) => s.startsWith('EXECUTE STATEMENT SET'))).toHaveLength(1);
    expect(statements.at(-1)).toMatch(/^EXECUTE STATEMENT SET BEGIN[\s\S]*END$/);
    expect(statements.filter((s) => s.startsWith('SET '))).toEqual([
      "SET 'table.local-time-zone' = 'UTC'",
      "SET 'pipeline.name' = 'enricher'",
      "SET 'table.exec.source.idle-timeout' = '2 s'",
      "SET 'pipeline.object-reuse' = 'true'",
    ]);
    expect(statements.join('\n')).toContain("'properties.bootstrap.servers' = '127.0.0.1:9092,127.0.0.1:9093'");
  });

  it('carries the metric catalog: each metric with its unit, plausible range, LOINC code and default bands', async () => {
    const sql = (await enricherStatements(options)).join('\n');
    for (const m of METRIC_CODES) {
      const def = METRIC_CATALOG[m];
      expect(sql).toContain(`WHEN '${m}' THEN '${def.unit}'`);
      expect(sql).toContain(`WHEN '${m}' THEN '${def.loinc}'`);
      expect(sql).toContain(`WHEN '${m}' THEN CAST(${def.plausible.min} AS DOUBLE)`);
      for (const band of def.defaultThresholds) {
        if (band.low !== undefined) expect(sql).toContain(`WHEN '${m}' THEN CAST(${band.low} AS DOUBLE)`);
        if (band.high !== undefined) expect(sql).toContain(`WHEN '${m}' THEN CAST(${band.high} AS DOUBLE)`);
      }
    }
  });
});
