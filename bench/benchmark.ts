/**
 * What every benchmark (bench/benchmarks/*.ts) is given and returns, and the measuring helpers they share: medians of
 * samples, CPU accounting of the working processes, the bare driver for baselines, the workflow-history split.
 */
import { mongo } from 'mongoose';
import type { OperationView } from '../api/bulk/views';
import { type ApiClient, expectCompleted } from './api';
import type { ActivitySplit } from './history';
import { cpuMeter } from './proc';
import type { BenchResult } from './report';
import { errorText } from './report';
import type { BenchStack } from './stack';

export const FULL_IMPORT_ROWS = 5000;
export const OPERATION_TIMEOUT_MS = 45 * 60 * 1000;

export interface Options {
  /** Names of the benchmarks to run, in the registry's order (all when none was named). */
  benchmarks: string[];
  importRows: number;
  repeat: number;
  strict: boolean;
}

export interface BenchContext {
  bench: BenchStack;
  api: ApiClient;
  /** The bench's temporary directory (removed at the end). */
  tmp: string;
  options: Options;
}

export interface Benchmark {
  /** What `npm run bench -- <id>` selects it by. */
  id: string;
  /** Its name in the results when it failed before producing one. */
  label: string;
  unit: 'ms' | 'MB';
  target: string;
  /** Runs before the stack starts: inputs whose memory must be long gone when the benchmark measures. */
  prepare?(tmp: string): Promise<void>;
  run(context: BenchContext): Promise<BenchResult>;
}

export interface Sample<T> {
  ms: number;
  data: T;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** The sample whose time is the median (the lower middle one for an even count). */
export function medianSample<T>(samples: Sample<T>[]): Sample<T> {
  const sorted = [...samples].sort((a, b) => a.ms - b.ms);
  const picked = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!picked) throw new Error('no samples');
  return picked;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** CPU seconds of the processes that do the work: this process (API + in-process workers), FerretDB, Temporal. */
export function serverCpu(bench: BenchStack, extra: Record<string, number> = {}) {
  const pids: Record<string, number | 'self'> = { benchProcess: 'self', ...extra };
  for (const [name, pid] of Object.entries(bench.serverPids)) pids[name] = pid;
  return cpuMeter(pids);
}

/** The bare MongoDB driver (the one mongoose bundles), for the baselines: no mongoose, no ccflow code. */
export async function connectDriver(url: string): Promise<mongo.MongoClient> {
  // Same client options as db/connection.ts (FerretDB has no retryable writes).
  return mongo.MongoClient.connect(url, { serverSelectionTimeoutMS: 10000, retryWrites: false });
}

export function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

export function completionError(body: OperationView, total: number): string | undefined {
  try {
    expectCompleted(body, total);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

export function splitDetails(split: ActivitySplit): Record<string, unknown> {
  return {
    workflowMs: Math.round(split.workflowMs),
    overheadMs: Math.round(split.overheadMs),
    activities: Object.fromEntries(
      Object.entries(split.activities).map(([type, a]) => [
        type,
        {
          count: a.count,
          totalMs: Math.round(a.totalMs),
          maxMs: Math.round(a.maxMs),
          ...(a.problems ? { problems: a.problems } : {}),
        },
      ]),
    ),
  };
}
