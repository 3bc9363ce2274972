import { describe, expect, it } from 'vitest';
import { isVitalsError } from '@vitals/shared';
import { renderSql, splitStatements } from './sql-script.js';

describe('splitStatements', () => {
  it('splits at semicolons and drops comments and empty statements', () => {
    const sql = `-- a comment; with a semicolon
CREATE TABLE a (x INT) WITH ('connector' = 'blackhole');
/* block; comment */ SET 'pipeline.name' = 'j';;
INSERT INTO a SELECT 1`;
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE a (x INT) WITH ('connector' = 'blackhole')",
      "SET 'pipeline.name' = 'j'",
      'INSERT INTO a SELECT 1',
    ]);
  });

  it('keeps semicolons inside strings, doubled quotes and backticks', () => {
    const sql = "SELECT 'a;''b' AS `x;y`; SELECT 2;";
    expect(splitStatements(sql)).toEqual(["SELECT 'a;''b' AS `x;y`", 'SELECT 2']);
  });

  it('keeps a statement set with CASE expressions in one statement', () => {
    const sql = `EXECUTE STATEMENT SET BEGIN
  INSERT INTO a SELECT CASE WHEN x > 1 THEN 'hi' ELSE 'lo' END FROM t;
  INSERT INTO b SELECT x FROM t;
END;
SELECT 3;`;
    const parts = splitStatements(sql);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/^EXECUTE STATEMENT SET BEGIN[\s\S]*FROM t;\s*END$/);
    expect(parts[1]).toBe('SELECT 3');
  });

  it('does not take a word that merely contains END or BEGIN for a keyword', () => {
    expect(splitStatements('SELECT ending, begin_at FROM t; SELECT 1')).toEqual(['SELECT ending, begin_at FROM t', 'SELECT 1']);
  });
});

describe('renderSql', () => {
  it('fills placeholders', () => {
    expect(renderSql('f.sql', "'${TOPIC}' ${N}", { TOPIC: 'raw-readings', N: 2 })).toBe("'raw-readings' 2");
  });

  it('names every placeholder without a value', () => {
    try {
      renderSql('f.sql', '${A} ${B} ${A}', {});
      expect.unreachable();
    } catch (err) {
      expect(isVitalsError(err, 'FLINK_ERR_SQL_SCRIPT')).toBe(true);
      expect((err as Error).message).toBe('Flink SQL script f.sql: no value for A, B');
    }
  });
});
