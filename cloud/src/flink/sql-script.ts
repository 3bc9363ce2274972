/**
 * Flink SQL scripts as the repository keeps them (`docker/flink/*.sql`): `${NAME}` placeholders filled from
 * the configuration, then split into the single statements the SQL Gateway runs one by one. Pure.
 */
import { FlinkErrors } from './errors.js';

/** Fills `${NAME}` placeholders; a placeholder without a value is an error (never an empty string in SQL). */
export function renderSql(file: string, text: string, values: Readonly<Record<string, string | number>>): string {
  const missing = new Set<string>();
  const out = text.replace(/\$\{([A-Z0-9_]+)\}/g, (m, name: string) => {
    const v = values[name];
    if (v === undefined) {
      missing.add(name);
      return m;
    }
    return String(v);
  });
  if (missing.size > 0) throw FlinkErrors.FLINK_ERR_SQL_SCRIPT(file, `no value for ${[...missing].join(', ')}`);
  return out;
}

/**
 * Splits a script at the semicolons that end statements: not inside quotes, backticks or comments, and not
 * inside `BEGIN ... END` of a statement set (whose `CASE ... END` expressions are counted too). Comments are
 * dropped, empty statements skipped.
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  let i = 0;
  const flush = () => {
    const s = current.trim();
    if (s) out.push(s);
    current = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      current += ' ';
      continue;
    }
    if (c === "'" || c === '`' || c === '"') {
      let j = i + 1;
      for (;;) {
        const k = text.indexOf(c, j);
        if (k < 0) {
          j = text.length;
          break;
        }
        if (text[k + 1] === c) {
          j = k + 2; // doubled quote: an escaped one
          continue;
        }
        j = k + 1;
        break;
      }
      current += text.slice(i, j);
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/[A-Za-z0-9_$]/.test(text[i - 1]!))) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64))!;
      const word = m[0].toUpperCase();
      if (word === 'BEGIN' || word === 'CASE') depth++;
      else if (word === 'END' && depth > 0) depth--;
      current += m[0];
      i += m[0].length;
      continue;
    }
    if (c === ';' && depth === 0) {
      flush();
      i++;
      continue;
    }
    current += c;
    i++;
  }
  flush();
  return out;
}
