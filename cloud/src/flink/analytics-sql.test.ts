import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileQueries } from '../analytics/queries/compile.js';
import { analyticsSqlValues } from './analytics-job.js';
import { analyticsSql, analyticsSqlOf, QUERIES_SQL_FILE } from './analytics-sql.js';
import { renderSql, splitStatements } from './sql-script.js';

const base = { metrics: '*', group: 'patient', aggregates: ['count', 'avg'], emit: 'final' } as const;

describe('the analytics job generated from the window definitions', () => {
  it('is what docker/analytics/queries.sql holds (one declaration: regenerate with `npx vitals flink analytics-sql --write`)', () => {
    expect(readFileSync(QUERIES_SQL_FILE, 'utf8')).toBe(analyticsSqlOf());
  });

  it('renders with every placeholder filled into one statement set', () => {
    const text = renderSql(
      'queries.sql',
      analyticsSqlOf(),
      analyticsSqlValues({
        jobName: 'j',
        kafkaBrokers: ['k:9092'],
        groupId: 'g',
        transactionalIdPrefix: 't',
        inputTopic: 'in',
        resultsTopic: 'res',
        lateTopic: 'late',
        dlqTopic: 'dlq',
        startFrom: 'earliest',
        maxOutOfOrderMs: 5_000,
      }),
    );
    expect(text).not.toMatch(/\$\{[A-Z0-9_]+\}/);
    const statements = splitStatements(text);
    expect(statements.filter((s) => s.startsWith('EXECUTE STATEMENT SET'))).toHaveLength(1);
    expect(statements.at(-1)).toMatch(/^EXECUTE STATEMENT SET BEGIN[\s\S]*END$/);
  });

  it('delays Flink’s watermark by the largest grace, and judges lateness per query by its own grace', () => {
    const queries = compileQueries(
      {
        version: 1,
        queries: [
          { ...base, id: 'a', description: 'a', window: { type: 'tumbling', size: '1m' }, grace: '30s' },
          { ...base, id: 'b', description: 'b', window: { type: 'hopping', size: '5m', advance: '1m' }, grace: '2m' },
        ],
      },
      'test',
    );
    const sql = analyticsSql(queries, { source: 'test' });
    expect(sql).toContain('WATERMARK FOR rt AS TIMESTAMPADD(MILLISECOND, -(${OUT_OF_ORDER_MS} + 120001), rt)');
    expect(sql).toContain('(t_ms - MOD(t_ms, 60000) + 60000) + 30000 <= wm_ms');
    expect(sql).toContain('(t_ms - MOD(t_ms, 60000) + 300000) + 120000 <= wm_ms');
    expect(sql).toContain(
      "HOP(TABLE q1_input, DESCRIPTOR(rt), INTERVAL '0 00:01:00' DAY TO SECOND, INTERVAL '0 00:05:00' DAY TO SECOND)",
    );
  });

  it('refuses what Flink cannot run as the Node engine does', () => {
    const one = (q: object) =>
      compileQueries({ version: 1, queries: [{ ...base, id: 'x', description: 'x', grace: '0s', ...q }] }, 'test');
    expect(() =>
      analyticsSql(one({ window: { type: 'hopping', size: '2m', advance: '1m' }, emit: 'changes' }), { source: 'f' }),
    ).toThrow(/emit "changes" on a hopping window/);
    expect(() => analyticsSql(one({ window: { type: 'tumbling', size: '1500ms' } }), { source: 'f' })).toThrow(/whole seconds/);
  });
});
