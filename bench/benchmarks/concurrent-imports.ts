/**
 * Concurrent imports into a full type (issue #8; target: all complete with exact counts): `--tenants` (10) new
 * tenants each import `--concurrent-rows` (2000) sites at the same moment, into the type holding the shared seeded
 * store (bench/load/seed.ts: 50,000 sites, plus what earlier load benchmarks added). Reported: the wall time (first
 * upload → last operation ended, from the operations' own `endedAt`), each operation's queueing and run time.
 *
 * Baseline: one more new tenant's import of the same size, alone, just before (same type, same polling) — the ratio
 * wall / lone import says how much the ten overlap (10 would be fully serial). The target is correctness only.
 */
import { performance } from 'node:perf_hooks';
import type { OperationView } from '../../api/bulk/views';
import { type BenchContext, type Benchmark, OPERATION_TIMEOUT_MS, serverCpu } from '../benchmark';
import { activitySplit, describeSplit } from '../history';
import type { LoadOptions } from '../load/options';
import { benchCcflow, importSites, type LoadTenant, newLoadTenant, seedDetails, seededStore } from '../load/seed';
import { SITES, sitesCsv } from '../load/sites';
import { type BenchResult, errorText, log, round, seconds } from '../report';

/** Polling interval of the ten concurrent operations (10 pollers at 100 ms would load the API they measure). */
const POLL_MS = 500;

interface Outcome {
  tenant: LoadTenant;
  /** Client-side upload start → seen ended. */
  clientMs: number;
  operation?: OperationView;
  error?: string;
}

const timeOf = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);

async function run(context: BenchContext, load: LoadOptions): Promise<BenchResult> {
  const { bench } = context;
  const store = await seededStore(context, load);
  const rows = load.concurrentRows;
  const ccflow = benchCcflow(bench);
  const prefixOf = (i: number): string => `c${String(i).padStart(2, '0')}`;
  const tenants = await Promise.all(
    Array.from({ length: load.tenants }, (_, i) => newLoadTenant(ccflow, prefixOf(i + 1), `Concurrent ${i + 1}`)),
  );
  const files = tenants.map((tenant) => sitesCsv(tenant.prefix, rows));

  const solo = await newLoadTenant(ccflow, prefixOf(0), 'Concurrent solo');
  const alone = await importSites(store, solo, sitesCsv(solo.prefix, rows));
  log(`concurrent-imports: one import of ${rows} alone (type held ${alone.objectsBefore}): ${seconds(alone.ms)}`);

  const objectsBefore = store.objects;
  log(`concurrent-imports: ${tenants.length} tenants each import ${rows} sites at once (type holds ${objectsBefore})`);
  const cpu = serverCpu(bench);
  const startedAt = Date.now();
  const t0 = performance.now();
  const outcomes = await Promise.all(
    tenants.map(async (tenant, i): Promise<Outcome> => {
      const file = files[i];
      const start = performance.now();
      try {
        if (!file) throw new Error('no file');
        const submitted = await tenant.api.submit(
          { kind: 'import', objectType: SITES },
          { content: new Blob([file.text]), name: `${tenant.prefix}-sites.csv` },
        );
        const operation = await tenant.api.waitUntilEnded(submitted.id, OPERATION_TIMEOUT_MS, POLL_MS);
        return { tenant, clientMs: performance.now() - start, operation };
      } catch (error) {
        return { tenant, clientMs: performance.now() - start, error: errorText(error) };
      }
    }),
  );
  const clientWallMs = performance.now() - t0;
  const cpuSeconds = cpu.stop();
  const ends = outcomes.map((outcome) => timeOf(outcome.operation?.endedAt));
  const wallMs = ends.every((end) => end !== undefined)
    ? Math.max(...ends.map((end) => (end ?? 0) - startedAt))
    : clientWallMs;

  const operations = [];
  let correct = 0;
  for (const [i, outcome] of outcomes.entries()) {
    const op = outcome.operation;
    const exact =
      op?.status === 'completed' && op.counts.total === rows && op.counts.succeeded === rows && op.counts.failed === 0;
    if (exact) {
      correct += 1;
      store.objects += rows;
      outcome.tenant.keys = files[i]?.keys ?? [];
    }
    const created = timeOf(op?.createdAt);
    const started = timeOf(op?.startedAt);
    const ended = timeOf(op?.endedAt);
    const split = op ? await activitySplit(bench.client, outcome.tenant.id).catch(() => undefined) : undefined;
    const entry = {
      tenant: outcome.tenant.prefix,
      status: op?.status ?? 'not submitted',
      counts: op?.counts,
      ...(op?.failureReason ? { failureReason: op.failureReason } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      queuedMs: created !== undefined && started !== undefined ? started - created : undefined,
      runMs: started !== undefined && ended !== undefined ? ended - started : undefined,
      totalMs: created !== undefined && ended !== undefined ? ended - created : undefined,
      clientMs: Math.round(outcome.clientMs),
      ...(split ? { split: describeSplit(split) } : {}),
    };
    operations.push(entry);
    log(
      `concurrent-imports: ${entry.tenant} ${entry.status} ${JSON.stringify(entry.counts ?? {})} ` +
        `queued ${entry.queuedMs ?? '?'} ms, ran ${entry.runMs ?? '?'} ms, total ${entry.totalMs ?? '?'} ms` +
        (entry.error ? `: ${entry.error}` : '') +
        (entry.failureReason ? `: ${entry.failureReason}` : ''),
    );
  }
  log(`concurrent-imports: ${correct}/${tenants.length} completed ${rows}/${rows}/0; wall ${seconds(wallMs)}`);
  const ratio = wallMs / alone.ms;
  return {
    name: `${tenants.length} concurrent imports of ${rows} sites (type holding ${objectsBefore} objects)`,
    status: 'ok',
    unit: 'ms',
    measured: Math.round(wallMs),
    measuredLabel: `wall time: first upload → last operation ended (its endedAt); ${correct}/${tenants.length} completed exactly`,
    baseline: Math.round(alone.ms),
    baselineLabel: `one import of ${rows} alone, just before (a ratio of ${tenants.length} would be fully serial)`,
    ratio: round(ratio),
    target: `all ${tenants.length} completed ${rows}/${rows}/0`,
    met: correct === tenants.length,
    details: {
      ...seedDetails(store),
      load,
      completedExactly: correct,
      clientWallMs: Math.round(clientWallMs),
      cpuSeconds,
      operations,
    },
  };
}

export function concurrentImportsBenchmark(load: LoadOptions): Benchmark {
  return {
    id: 'concurrent-imports',
    label: 'concurrent imports',
    unit: 'ms',
    target: `all ${load.tenants} completed ${load.concurrentRows}/${load.concurrentRows}/0`,
    run: (context) => run(context, load),
  };
}
