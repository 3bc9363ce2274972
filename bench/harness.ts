/**
 * The benchmark suite's shape: every part contributes a section of figures, each beside the raw limit of the
 * part underneath measured in the same run, so the ratio (ours / raw) is what we report.
 */

export interface Figure {
  /** What was measured, e.g. "MQTT QoS 1 publish -> SQLite commit". */
  readonly name: string;
  readonly value: number;
  /** e.g. "readings/s", "ms", "MiB". */
  readonly unit: string;
  /** The raw limit measured in the same run, same unit. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** Free-form detail (parameters of the run). */
  readonly detail?: string;
}

export interface BenchSection {
  readonly component: string;
  readonly figures: readonly Figure[];
  readonly notes?: readonly string[];
}

/** A benchmark module under bench/ exports `default` of this type. */
export type Benchmark = () => Promise<BenchSection>;

export function ratio(f: Figure): number | undefined {
  return f.baseline && f.baseline.value !== 0 ? f.value / f.baseline.value : undefined;
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

export function markdownTable(sections: readonly BenchSection[]): string {
  const lines = ['| component | figure | value | unit | raw limit (same run) | ratio |', '| --- | --- | --- | --- | --- | --- |'];
  for (const s of sections) {
    for (const f of s.figures) {
      const r = ratio(f);
      lines.push(
        `| ${s.component} | ${f.name}${f.detail ? ` (${f.detail})` : ''} | ${fmt(f.value)} | ${f.unit} | ${f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value)}` : ''} | ${r === undefined ? '' : `${(r * 100).toFixed(0)}%`} |`,
      );
    }
  }
  return lines.join('\n');
}
