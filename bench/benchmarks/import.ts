/**
 * Import 5000 rows ≈ 5 MB (target ratio ≤ 1.5): multipart upload → operation completed, against the importer's own
 * database writes with the bare driver into a fresh database.
 */
import fs, { openAsBlob } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { performance } from 'node:perf_hooks';
import type { OperationView } from '../../api/bulk/views';
import { chunkIndexesFor, planChunkRewrite, type StoredObject } from '../../db/bulk/config-chunks';
import {
  CONFIG_CHUNKS_COLLECTION,
  CONFIG_HEADS_COLLECTION,
  type ConfigChunkDoc,
  type ConfigHeadDoc,
  configChunkId,
  configHeadId,
  countConfigObjects,
  parseConfigHead,
} from '../../db/bulk/config-objects';
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
import { type ImportFile, importCsv, parseRows, spec } from '../data';
import { activitySplit, type ActivitySplit, describeSplit } from '../history';
import { type BenchResult, log, round, seconds } from '../report';
import type { BenchStack } from '../stack';

/**
 * A direct importer, no workflow: the CSV file streamed through csv-parse and every row validated by the catalog
 * (`parseRow`, as staging does), then the database work of activities/bulk/apply-import.ts with the bare driver,
 * into a fresh database (same collections): per batch of 1000 rows, the type's head and the chunks the keys fall in, read by `_id`; the new
 * chunks laid out by the store's own planner (db/bulk/config-chunks.ts, pure code); then the importer's writes:
 * one `insertMany` of the new chunks, the head by `_id`, and one `deleteOne` by `_id` per replaced chunk.
 */
async function importBaseline(
  bench: BenchStack,
  tenantId: string,
  type: ObjectTypeSpec,
  csvPath: string,
): Promise<Sample<BaselineRun>> {
  const client = await connectDriver(withDatabase(bench.mongoUrl, `bench_baseline_${Date.now().toString(36)}`));
  try {
    const heads = client.db().collection<ConfigHeadDoc>(CONFIG_HEADS_COLLECTION);
    const chunkDocs = client.db().collection<ConfigChunkDoc>(CONFIG_CHUNKS_COLLECTION);
    await heads.findOne({}); // connection and collections warm, like the worker's
    await chunkDocs.findOne({});
    const headId = configHeadId(tenantId, type.id);
    const batchMs: number[] = [];
    const cpu = serverCpu(bench);
    const b0 = performance.now();
    const records: string[][] = [];
    for await (const record of fs.createReadStream(csvPath).pipe(parse({ bom: true }))) {
      records.push(record as string[]);
    }
    const [header, ...cells] = records;
    const parsed = parseRows(type, header ?? [], cells);
    const parseMs = performance.now() - b0;
    let batchNo = 0;
    for (const batch of chunks(parsed, BULK_LIMITS.importBatchSize)) {
      const t = performance.now();
      batchNo += 1;
      const head = parseConfigHead(await heads.findOne({ _id: headId }));
      const current = new Map<string, StoredObject[]>();
      for (const index of chunkIndexesFor(
        head.chunks,
        batch.map((row) => row.key),
      )) {
        const ref = head.chunks[index];
        const doc = ref ? await chunkDocs.findOne({ _id: ref.id }) : null;
        if (ref && doc) current.set(ref.id, JSON.parse(doc.objects) as StoredObject[]);
      }
      const keys = new Set(batch.map((row) => row.key));
      if ([...current.values()].some((objects) => objects.some((object) => keys.has(object.key)))) {
        throw new Error('baseline database is not fresh');
      }
      const now = new Date();
      const changes = batch.map((row) => ({
        key: row.key,
        data: row.data,
        version: 1,
        lastOperationId: 'bench-baseline',
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      }));
      const rewrite = planChunkRewrite(head, current, changes, (n) =>
        configChunkId(tenantId, type.id, `baseline.${batchNo}`, n),
      );
      await chunkDocs.insertMany(
        rewrite.chunks.map((chunk) => ({
          _id: chunk.id,
          tenantId,
          objectType: type.id,
          count: chunk.objects.length,
          objects: JSON.stringify(chunk.objects),
          createdAt: now,
        })),
        { ordered: false },
      );
      await heads.replaceOne(
        { _id: headId },
        {
          tenantId,
          objectType: type.id,
          version: rewrite.head.version,
          count: rewrite.head.count,
          chunks: JSON.stringify(rewrite.head.chunks),
          updatedAt: now,
        },
        { upsert: true },
      );
      for (const id of rewrite.removed) await chunkDocs.deleteOne({ _id: id });
      batchMs.push(Math.round(performance.now() - t));
    }
    const ms = performance.now() - b0;
    const cpuSeconds = cpu.stop();
    const written = parseConfigHead(await heads.findOne({ _id: headId })).count;
    if (written !== parsed.length) throw new Error(`baseline wrote ${written} objects, expected ${parsed.length}`);
    return { ms, data: { parseMs: Math.round(parseMs), databaseMs: Math.round(ms - parseMs), batchMs, cpuSeconds } };
  } finally {
    await client
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  }
}

interface BaselineRun {
  parseMs: number;
  databaseMs: number;
  batchMs: number[];
  cpuSeconds: Record<string, number>;
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
  const csvPath = path.join(tmp, `${file.objectType}.csv`);
  fs.writeFileSync(csvPath, file.text);
  const tenantId = bench.tenant.id;
  const baselines: Sample<BaselineRun>[] = [];
  const runs: Sample<ImportRun>[] = [];
  for (let round = 1; round <= repeat; round += 1) {
    const baseline = await importBaseline(bench, tenantId, type, csvPath);
    baselines.push(baseline);
    log(
      `import ${round}/${repeat}: baseline ${seconds(baseline.ms)} (parse ${baseline.data.parseMs} ms, batches ${baseline.data.batchMs.join(', ')} ms)`,
    );
    const sample = await importOnce(bench, api, file, csvPath);
    runs.push(sample);
    log(
      `import ${round}/${repeat}: ccflow ${sample.data.done.status} in ${seconds(sample.ms)}; ${describeSplit(sample.data.split)}`,
    );
    const error = completionError(sample.data.done, rows);
    if (error) throw new Error(error);
    const stored = await countConfigObjects(bench.db.config, tenantId, file.objectType);
    if (stored !== rows) throw new Error(`import stored ${stored} objects, expected ${rows}`);
    // The next round imports into an empty type again: its head goes (its chunks are left, unreferenced).
    await bench.db.config.heads.deleteOne({ _id: configHeadId(tenantId, file.objectType) });
  }
  const measured = median(runs.map((sample) => sample.ms));
  const baseline = median(baselines.map((sample) => sample.ms));
  const typical = medianSample(runs).data;
  const ratio = measured / baseline;
  const databaseOnly = median(baselines.map((sample) => sample.data.databaseMs));
  return {
    name: `import ${rows} rows (${(file.bytes / 1024 / 1024).toFixed(2)} MiB CSV, ${file.objectType})`,
    status: 'ok',
    unit: 'ms',
    measured: Math.round(measured),
    measuredLabel: `median of ${repeat}: HTTP upload → operation completed, polled every 100 ms`,
    baseline: Math.round(baseline),
    baselineLabel: `median of ${repeat}: direct importer: csv-parse + the catalog's row validation, then per 1000 rows the importer's reads and writes by _id with the bare driver, fresh database`,
    ratio: round(ratio),
    target: '≤ 1.5',
    met: ratio <= 1.5,
    details: {
      csvBytes: file.bytes,
      runsMs: runs.map((sample) => Math.round(sample.ms)),
      baselinesMs: baselines.map((sample) => Math.round(sample.ms)),
      baselineBatchMs: medianSample(baselines).data.batchMs,
      baselineParseMs: medianSample(baselines).data.parseMs,
      // The definition before the chunked store: the database work alone (rows parsed outside the timing).
      baselineDatabaseOnlyMs: Math.round(databaseOnly),
      ratioVsDatabaseOnly: round(measured / databaseOnly),
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
