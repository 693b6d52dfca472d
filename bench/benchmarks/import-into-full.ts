/**
 * Import into a full type (issue #8; target ratio ≤ 1.3): a tenant that already holds its 5000 sites imports 5000 new
 * ones while the type holds 50,000 objects (its own 5000 + 9 other tenants' 45,000, from bench/load/seed.ts), against
 * the same import into an empty store: a second ccflow on the same servers with a fresh database (no object of any
 * tenant or type), a fresh tenant.
 *
 * Rounds (`--repeat`, default 3) of baseline then measurement, like the import benchmark; round r uses seeded tenant
 * r, so each measured import starts from a tenant holding 5000 and a type holding 50,000 + 5000 × (r − 1). Both sides
 * upload the same file and are timed the same way: multipart POST → polled (100 ms) until `completed` 5000/5000/0.
 */
import {
  median,
  medianSample,
  type Sample,
  serverCpu,
  splitDetails,
  type BenchContext,
  type Benchmark,
} from '../benchmark';
import { activitySplit, type ActivitySplit, describeSplit } from '../history';
import { startFreshCcflow } from '../load/fresh-ccflow';
import type { LoadOptions } from '../load/options';
import { importFile, importSites, newLoadTenant, seedDetails, seededStore } from '../load/seed';
import { sitesCsv } from '../load/sites';
import { type BenchResult, log, round, seconds } from '../report';

const TARGET_RATIO = 1.3;

interface Run {
  objectsBefore: number;
  split: ActivitySplit;
  cpuSeconds: Record<string, number>;
}

async function run(context: BenchContext, load: LoadOptions): Promise<BenchResult> {
  const { bench, tmp, options } = context;
  const store = await seededStore(context, load);
  const rows = store.perTenant;
  const baselines: Sample<Run>[] = [];
  const runs: Sample<Run & { tenant: string; tenantHeld: number }>[] = [];
  for (let r = 1; r <= options.repeat; r += 1) {
    const tenant = store.tenants[(r - 1) % store.tenants.length];
    if (!tenant) throw new Error('no seeded tenant');
    const file = sitesCsv(tenant.prefix, rows, `xtra${r}`); // new keys, sorted after the tenant's seeded ones

    const fresh = await startFreshCcflow(bench, tmp);
    try {
      const empty = await newLoadTenant(fresh, tenant.prefix, `Empty-store tenant ${r}`);
      const cpu = serverCpu(bench);
      const { ms } = await importFile(empty.api, file);
      const cpuSeconds = cpu.stop();
      const split = await activitySplit(bench.client, empty.id);
      baselines.push({ ms, data: { objectsBefore: 0, split, cpuSeconds } });
      log(`import-into-full ${r}/${options.repeat}: empty store ${seconds(ms)}; ${describeSplit(split)}`);
    } finally {
      await fresh.stop();
    }

    const tenantHeld = tenant.keys.length;
    const cpu = serverCpu(bench);
    const timing = await importSites(store, tenant, file);
    const cpuSeconds = cpu.stop();
    const split = await activitySplit(bench.client, tenant.id);
    runs.push({
      ms: timing.ms,
      data: { objectsBefore: timing.objectsBefore, split, cpuSeconds, tenant: tenant.prefix, tenantHeld },
    });
    log(
      `import-into-full ${r}/${options.repeat}: ${tenant.prefix} (held ${tenantHeld}; type held ${timing.objectsBefore}) ` +
        `${seconds(timing.ms)}; ${describeSplit(split)}`,
    );
  }
  const measured = median(runs.map((sample) => sample.ms));
  const baseline = median(baselines.map((sample) => sample.ms));
  const ratio = measured / baseline;
  const typical = medianSample(runs).data;
  const typicalBaseline = medianSample(baselines).data;
  return {
    name: `import ${rows} sites into a type holding ${runs[0]?.data.objectsBefore ?? 0}+ objects vs an empty store`,
    status: 'ok',
    unit: 'ms',
    measured: Math.round(measured),
    measuredLabel:
      `median of ${options.repeat}: a tenant holding ${rows} imports ${rows} new, type holding ` +
      `${runs.map((sample) => sample.data.objectsBefore).join('/')} objects; upload → completed`,
    baseline: Math.round(baseline),
    baselineLabel: `median of ${options.repeat}: the same file, fresh tenant of a ccflow on a fresh database`,
    ratio: round(ratio),
    target: `≤ ${TARGET_RATIO}`,
    met: ratio <= TARGET_RATIO,
    details: {
      ...seedDetails(store),
      load,
      runsMs: runs.map((sample) => Math.round(sample.ms)),
      baselinesMs: baselines.map((sample) => Math.round(sample.ms)),
      objectsBefore: runs.map((sample) => sample.data.objectsBefore),
      measuredTenants: runs.map((sample) => `${sample.data.tenant} held ${sample.data.tenantHeld}`),
      cpuSecondsMeasured: typical.cpuSeconds,
      cpuSecondsBaseline: typicalBaseline.cpuSeconds,
      split: describeSplit(typical.split),
      splitBaseline: describeSplit(typicalBaseline.split),
      history: { measured: splitDetails(typical.split), baseline: splitDetails(typicalBaseline.split) },
    },
  };
}

export function importIntoFullBenchmark(load: LoadOptions): Benchmark {
  return {
    id: 'import-into-full',
    label: 'import into a full type',
    unit: 'ms',
    target: `≤ ${TARGET_RATIO}`,
    run: (context) => run(context, load),
  };
}
