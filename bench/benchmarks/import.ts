/**
 * Import 5000 rows ≈ 5 MB (target ratio ≤ 1.5): multipart upload → operation completed, against the importer's own
 * database writes with the bare driver into a fresh database.
 */
import fs, { openAsBlob } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OperationView } from '../../api/bulk/views';
import { configCollectionName, configObjectId, type ConfigObjectDoc } from '../../db/bulk/config-objects';
import type { ObjectTypeSpec } from '../../domain/bulk/catalog';
import { BULK_LIMITS } from '../../domain/bulk/limits';
import type { ApiClient } from '../api';
import {
  type BenchContext,
  type Benchmark,
  chunks,
  completionError,
  connectDriver,
  FULL_IMPORT_ROWS,
  median,
  medianSample,
  OPERATION_TIMEOUT_MS,
  type Sample,
  serverCpu,
  splitDetails,
  withDatabase,
} from '../benchmark';
import { type ImportFile, importCsv, type ParsedRow, parseRows, spec } from '../data';
import { activitySplit, type ActivitySplit, describeSplit } from '../history';
import { type BenchResult, log, round, seconds } from '../report';
import type { BenchStack } from '../stack';

/**
 * The database work of activities/bulk/apply-import.ts with the bare driver, into a fresh database (same collection
 * name and unique index): per batch of 1000 rows, one find of the stored objects by `_id`, then
 * `deleteMany(_id ∈ batch)` + `insertMany` of the documents in the importer's shape.
 */
async function importBaseline(
  bench: BenchStack,
  tenantId: string,
  type: ObjectTypeSpec,
  parsed: ParsedRow[],
): Promise<Sample<{ batchMs: number[]; cpuSeconds: Record<string, number> }>> {
  const client = await connectDriver(withDatabase(bench.mongoUrl, `bench_baseline_${Date.now().toString(36)}`));
  try {
    const collection = client.db().collection<ConfigObjectDoc>(configCollectionName(type.id));
    await collection.createIndex({ tenantId: 1, key: 1 }, { unique: true });
    await collection.findOne({}); // connection and collection warm, like the worker's
    const batchMs: number[] = [];
    const cpu = serverCpu(bench);
    const b0 = performance.now();
    for (const batch of chunks(parsed, BULK_LIMITS.importBatchSize)) {
      const t = performance.now();
      const ids = batch.map((row) => configObjectId(tenantId, row.key));
      const existing = await collection.find({ _id: { $in: ids } }).toArray();
      if (existing.length !== 0) throw new Error('baseline database is not fresh');
      const now = new Date();
      await collection.deleteMany({ _id: { $in: ids } });
      await collection.insertMany(
        batch.map((row, index) => ({
          _id: ids[index] ?? '',
          tenantId,
          key: row.key,
          data: row.data,
          version: 1,
          lastOperationId: 'bench-baseline',
          createdAt: now,
          updatedAt: now,
        })),
        { ordered: false },
      );
      batchMs.push(Math.round(performance.now() - t));
    }
    const ms = performance.now() - b0;
    const cpuSeconds = cpu.stop();
    const written = await collection.countDocuments({ tenantId });
    if (written !== parsed.length) throw new Error(`baseline wrote ${written} objects, expected ${parsed.length}`);
    return { ms, data: { batchMs, cpuSeconds } };
  } finally {
    await client
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  }
}

interface ImportRun {
  acceptedMs: number;
  done: OperationView;
  split: ActivitySplit;
  cpuSeconds: Record<string, number>;
}

async function importOnce(
  bench: BenchStack,
  api: ApiClient,
  file: ImportFile,
  csvPath: string,
): Promise<Sample<ImportRun>> {
  const cpu = serverCpu(bench);
  const t0 = performance.now();
  const submitted = await api.submit(
    { kind: 'import', objectType: file.objectType },
    { content: await openAsBlob(csvPath), name: `${file.objectType}.csv` },
  );
  const acceptedMs = Math.round(performance.now() - t0);
  const done = await api.waitUntilEnded(submitted.id, OPERATION_TIMEOUT_MS);
  const ms = performance.now() - t0;
  const cpuSeconds = cpu.stop();
  const split = await activitySplit(bench.client, bench.tenant.id);
  return { ms, data: { acceptedMs, done, split, cpuSeconds } };
}

async function run({ bench, api, tmp, options }: BenchContext): Promise<BenchResult> {
  const { importRows: rows, repeat } = options;
  // ~1 KiB per row whatever the count: 5000 rows fill the 5 MB CSV limit exactly.
  const file = importCsv(rows, Math.floor((BULK_LIMITS.maxCsvBytes * rows) / FULL_IMPORT_ROWS));
  const type = spec(file.objectType);
  const parsed = parseRows(type, file.header, file.rows); // baseline input, parsed outside the timed section
  const csvPath = path.join(tmp, `${file.objectType}.csv`);
  fs.writeFileSync(csvPath, file.text);
  const tenantId = bench.tenant.id;
  const baselines: Sample<{ batchMs: number[]; cpuSeconds: Record<string, number> }>[] = [];
  const runs: Sample<ImportRun>[] = [];
  for (let round = 1; round <= repeat; round += 1) {
    const baseline = await importBaseline(bench, tenantId, type, parsed);
    baselines.push(baseline);
    log(`import ${round}/${repeat}: baseline ${seconds(baseline.ms)} (batches ${baseline.data.batchMs.join(', ')} ms)`);
    const sample = await importOnce(bench, api, file, csvPath);
    runs.push(sample);
    log(
      `import ${round}/${repeat}: ccflow ${sample.data.done.status} in ${seconds(sample.ms)}; ${describeSplit(sample.data.split)}`,
    );
    const error = completionError(sample.data.done, rows);
    if (error) throw new Error(error);
    const model = bench.db.configObjects(file.objectType);
    const stored = await model.countDocuments({ tenantId });
    if (stored !== rows) throw new Error(`import stored ${stored} objects, expected ${rows}`);
    await model.deleteMany({ tenantId }); // the next round imports into an empty collection again
  }
  const measured = median(runs.map((sample) => sample.ms));
  const baseline = median(baselines.map((sample) => sample.ms));
  const typical = medianSample(runs).data;
  const ratio = measured / baseline;
  return {
    name: `import ${rows} rows (${(file.bytes / 1024 / 1024).toFixed(2)} MiB CSV, ${file.objectType})`,
    status: 'ok',
    unit: 'ms',
    measured: Math.round(measured),
    measuredLabel: `median of ${repeat}: HTTP upload → operation completed, polled every 100 ms`,
    baseline: Math.round(baseline),
    baselineLabel: `median of ${repeat}: bare driver, per 1000 rows find by _id + deleteMany + insertMany (the importer's writes), fresh database`,
    ratio: round(ratio),
    target: '≤ 1.5',
    met: ratio <= 1.5,
    details: {
      csvBytes: file.bytes,
      runsMs: runs.map((sample) => Math.round(sample.ms)),
      baselinesMs: baselines.map((sample) => Math.round(sample.ms)),
      baselineBatchMs: medianSample(baselines).data.batchMs,
      acceptedMs: typical.acceptedMs,
      counts: typical.done.counts,
      cpuSecondsMeasured: typical.cpuSeconds,
      cpuSecondsBaseline: medianSample(baselines).data.cpuSeconds,
      split: describeSplit(typical.split),
      history: splitDetails(typical.split),
    },
  };
}

export function importBenchmark(options: { importRows: number }): Benchmark {
  return { id: 'import', label: `import ${options.importRows} rows`, unit: 'ms', target: '≤ 1.5', run };
}
