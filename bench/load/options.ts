/**
 * Options of the store-under-load benchmarks (config-pages, import-into-full, concurrent-imports; issue #8), parsed
 * from the same command line as bench/run.ts's (which lets every `--name=value` through):
 *
 *   --objects=N      objects of the seeded type, spread evenly over the tenants (default 50000)
 *   --tenants=N      seeded tenants, and tenants importing at once in concurrent-imports (default 10)
 *   --clients=N      concurrent clients of config-pages (default 50)
 *   --duration=S     seconds the concurrent clients run (default 20)
 *   --requests=N     sequential requests per page URL for the single-client latency (default 200)
 *   --concurrent-rows=N  rows each tenant imports in concurrent-imports (default 2000)
 */
import { BULK_LIMITS } from '../../domain/bulk/limits';
import { parseIntegerFlags } from '../child-process';

export interface LoadOptions {
  objects: number;
  tenants: number;
  clients: number;
  durationS: number;
  requests: number;
  concurrentRows: number;
}

export const LOAD_DEFAULTS: LoadOptions = {
  objects: 50_000,
  tenants: 10,
  clients: 50,
  durationS: 20,
  requests: 200,
  concurrentRows: 2000,
};

const FLAGS: Record<keyof LoadOptions, { flag: string; min: number; max: number }> = {
  objects: { flag: '--objects', min: 1, max: 1_000_000 },
  tenants: { flag: '--tenants', min: 1, max: 99 },
  clients: { flag: '--clients', min: 1, max: 1000 },
  durationS: { flag: '--duration', min: 1, max: 3600 },
  requests: { flag: '--requests', min: 1, max: 100_000 },
  concurrentRows: { flag: '--concurrent-rows', min: 1, max: BULK_LIMITS.maxRowsPerCsv },
};

export function parseLoadOptions(argv: readonly string[]): LoadOptions {
  const options = parseIntegerFlags(argv, LOAD_DEFAULTS, FLAGS);
  if (options.objects % options.tenants !== 0) {
    throw new Error(`--objects (${options.objects}) must be a multiple of --tenants (${options.tenants})`);
  }
  if (options.objects / options.tenants > BULK_LIMITS.maxRowsPerCsv) {
    throw new Error(
      `--objects / --tenants must be at most ${BULK_LIMITS.maxRowsPerCsv} (one import of at most that many rows per tenant)`,
    );
  }
  return options;
}
