import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import { REPO_ROOT } from '../config.js';
import { compileQueries, loadQueriesFile } from './compile.js';

const base = {
  id: 'q',
  metrics: '*',
  group: 'patient',
  window: { type: 'tumbling', size: '1m' },
  aggregates: ['count', 'avg'],
  grace: '10s',
  emit: 'changes',
};

function problemsOf(content: unknown): string {
  try {
    compileQueries(content, 'test.json');
  } catch (err) {
    expect(isVitalsError(err, 'ANALYTICS_ERR_QUERY_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected the definitions to be refused');
}

describe('window definitions', () => {
  it('ships the default queries: patient tumbling 1m and 5m, hopping 5m/1m, department tumbling 5m', () => {
    const queries = loadQueriesFile(path.join(REPO_ROOT, 'docker/analytics/queries.json'));
    expect(queries.map((q) => [q.id, q.group, q.window.kind, q.window.sizeMs, q.window.advanceMs, q.emit])).toEqual([
      ['patient-1m', 'patient', 'tumbling', 60_000, 60_000, 'changes'],
      ['patient-5m', 'patient', 'tumbling', 300_000, 300_000, 'changes'],
      ['patient-5m-hop-1m', 'patient', 'hopping', 300_000, 60_000, 'final'],
      ['department-5m', 'department', 'tumbling', 300_000, 300_000, 'changes'],
    ]);
    expect(queries.every((q) => q.metrics === undefined && q.retentionMs >= q.window.sizeMs + q.graceMs)).toBe(true);
  });

  it('compiles durations, metric lists and the default retention of 7 days', () => {
    const [q] = compileQueries(
      {
        version: 1,
        queries: [{ ...base, metrics: ['heart_rate', 'spo2'], window: { type: 'hopping', size: '10m', advance: '2m' } }],
      },
      'x',
    );
    expect(q).toMatchObject({
      graceMs: 10_000,
      retentionMs: 7 * 86_400_000,
      window: { kind: 'hopping', sizeMs: 600_000, advanceMs: 120_000 },
    });
    expect([...q!.metrics!]).toEqual(['heart_rate', 'spo2']);
  });

  it('lists every problem at once, each with where it is', () => {
    const message = problemsOf({
      version: 1,
      queries: [
        base,
        { ...base, window: { type: 'hopping', size: '5m', advance: '2m' } },
        { ...base, id: 'short-retention', retention: '30s' },
        { ...base, id: 'bad', metrics: ['pulse'], aggregates: ['median'], grace: 'soon' },
        { ...base, id: 'too-fine', window: { type: 'hopping', size: '1h', advance: '1s' } },
      ],
    });
    expect(message).toContain('queries[1] (q)/id: q is declared twice');
    expect(message).toContain('queries[1] (q)/window/advance: must divide the size');
    expect(message).toContain('queries[2] (short-retention)/retention: must be at least size + grace');
    expect(message).toContain('queries[3] (bad)/metrics');
    expect(message).toContain('queries[3] (bad)/aggregates/0');
    expect(message).toContain('queries[3] (bad)/grace');
    expect(message).toContain('queries[4] (too-fine)/window/advance: at most 60 windows may overlap');
  });

  it('refuses a file of another format version, unknown fields and an empty list', () => {
    expect(problemsOf({ version: 2, queries: [base] })).toContain('file/version');
    expect(problemsOf({ version: 1, queries: [] })).toContain('file/queries');
    expect(problemsOf({ version: 1, queries: [{ ...base, windowSize: '1m' }] })).toContain('queries[0] (q)');
  });

  it('names a missing or unparseable file', () => {
    expect(() => loadQueriesFile('/nonexistent/queries.json')).toThrow(/nonexistent\/queries.json/);
    try {
      loadQueriesFile(path.join(REPO_ROOT, 'package.json'));
    } catch (err) {
      expect(isVitalsError(err, 'ANALYTICS_ERR_QUERY_INVALID')).toBe(true);
    }
  });
});
