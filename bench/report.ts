/** Progress log, the result of one benchmark, and how results are printed (one block each, then a summary table). */
import { performance } from 'node:perf_hooks';

export interface BenchResult {
  name: string;
  status: 'ok' | 'failed';
  error?: string;
  unit: 'ms' | 'MB';
  measured?: number;
  measuredLabel: string;
  baseline?: number;
  baselineLabel: string;
  ratio?: number;
  target: string;
  met: boolean;
  details: Record<string, unknown>;
}

/** When the bench started (module load), for the log's timestamps and the summary's duration. */
export const started = performance.now();

export function log(message: string): void {
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function format(result: BenchResult, value: number | undefined): string {
  if (value === undefined) return '—';
  return result.unit === 'ms' ? seconds(value) : `${value} MB`;
}

const verdict = (result: BenchResult): string =>
  result.status === 'failed' ? 'FAILED' : result.met ? 'MET' : 'MISSED';

export function printResult(result: BenchResult): void {
  process.stdout.write(
    [
      `\n== ${result.name}`,
      `   measured: ${format(result, result.measured)}  (${result.measuredLabel})`,
      `   baseline: ${format(result, result.baseline)}  (${result.baselineLabel})`,
      `   ratio:    ${result.ratio?.toFixed(2) ?? '—'}   target ${result.target}: ${verdict(result)}`,
      ...(result.error ? [`   error: ${result.error}`] : []),
      ...Object.entries(result.details)
        .filter(([key]) => key !== 'history') // in the JSON only
        .map(([key, value]) => `   ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`),
      '',
    ].join('\n'),
  );
}

export function summaryTable(results: BenchResult[]): string {
  const rows = [
    ['benchmark', 'measured', 'baseline', 'ratio', 'target', 'result'],
    ...results.map((r) => [
      r.name,
      format(r, r.measured),
      format(r, r.baseline),
      r.ratio?.toFixed(2) ?? '—',
      r.target,
      verdict(r),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ');
  return [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n');
}

export function failedResult(name: string, unit: 'ms' | 'MB', target: string, error: unknown): BenchResult {
  return {
    name,
    status: 'failed',
    error: errorText(error),
    unit,
    measuredLabel: '',
    baselineLabel: '',
    target,
    met: false,
    details: {},
  };
}
