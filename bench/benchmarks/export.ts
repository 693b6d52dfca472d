/**
 * Export 50,000 objects (target ratio ≤ 1.5): POST export → completed → GET /result downloaded, against the
 * exporter's read of the same documents with the bare driver.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { mongo } from 'mongoose';
import type { StoredObject } from '../../db/bulk/config-chunks';
import { forEachZipEntry } from '../../activities/zip/reader';
import { writeZip } from '../../activities/zip/writer';
import {
  CONFIG_CHUNKS_COLLECTION,
  CONFIG_HEADS_COLLECTION,
  type ConfigChunkDoc,
  type ConfigHeadDoc,
  configHeadId,
  parseConfigHead,
  writeConfigObjects,
} from '../../db/bulk/config-objects';
import { templateHeader } from '../../domain/bulk/headers';
import { BULK_LIMITS } from '../../domain/bulk/limits';
import { toCsvRecord } from '../../domain/bulk/rows';
import { type ApiClient, expectCompleted } from '../api';
import {
  type BenchContext,
  type Benchmark,
  chunks,
  connectDriver,
  median,
  medianSample,
  OPERATION_TIMEOUT_MS,
  type Sample,
  serverCpu,
  splitDetails,
} from '../benchmark';
import { entryPointObjects, spec } from '../data';
import { activitySplit, type ActivitySplit, describeSplit } from '../history';
import { type BenchResult, log, round, seconds } from '../report';
import type { BenchStack } from '../stack';

const EXPORT_OBJECTS = 50_000;

async function countZipRows(zipPath: string): Promise<{ files: number; rows: number }> {
  let files = 0;
  let rows = 0;
  const limits = { maxEntries: 1000, maxTotalUncompressedBytes: 2 ** 31, maxCompressionRatio: 1000 };
  await forEachZipEntry(zipPath, limits, async (_entry, open) => {
    files += 1;
    let lines = 0;
    for await (const chunk of await open()) {
      const buffer = chunk as Buffer;
      for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) lines += 1;
    }
    rows += lines - 1; // header row
  });
  return { files, rows };
}

/**
 * The exporter's read (activities/bulk/export.ts, db/bulk/config-objects.ts) with the bare driver: the type's head,
 * then each chunk by `_id` in key order, its objects parsed; 4 reads in flight as the exporter keeps.
 */
async function baselineRead(db: mongo.Db, tenantId: string): Promise<number> {
  const head = parseConfigHead(
    await db
      .collection<ConfigHeadDoc>(CONFIG_HEADS_COLLECTION)
      .findOne({ _id: configHeadId(tenantId, 'entry-points') }),
  );
  const chunks = db.collection<ConfigChunkDoc>(CONFIG_CHUNKS_COLLECTION);
  const readChunk = async (id: string) => {
    const doc = await chunks.findOne({ _id: id });
    return doc ? (JSON.parse(doc.objects) as StoredObject[]).length : 0;
  };
  let read = 0;
  const inFlight: Promise<number>[] = [];
  for (const ref of head.chunks) {
    inFlight.push(readChunk(ref.id));
    if (inFlight.length >= 4) read += (await inFlight.shift()) ?? 0;
  }
  for (const pending of inFlight) read += await pending;
  return read;
}

/** Where an export's time goes, measured apart (not part of the baseline): the CSV + ZIP work alone, in memory. */
async function exportDiagnostics(objects: StoredObject[], tmp: string): Promise<Record<string, number>> {
  const type = spec('entry-points');
  const header = templateHeader(type);
  const sorted = [...objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const t = performance.now();
  function* entries() {
    for (let index = 0; index * BULK_LIMITS.exportRowsPerFile < sorted.length; index += 1) {
      const part = sorted.slice(index * BULK_LIMITS.exportRowsPerFile, (index + 1) * BULK_LIMITS.exportRowsPerFile);
      function* records() {
        yield header;
        for (const object of part) yield toCsvRecord(type, object.data);
      }
      yield {
        name: `part-${index + 1}.csv`,
        content: Readable.from(records()).pipe(stringify({ record_delimiter: 'windows' })),
      };
    }
  }
  await writeZip(path.join(tmp, 'format-only.zip'), entries());
  const csvAndZipOnlyMs = Math.round(performance.now() - t);
  return { csvAndZipOnlyMs };
}

interface ExportRun {
  completedMs: number;
  zipBytes: number;
  split: ActivitySplit;
  cpuSeconds: Record<string, number>;
}

async function exportOnce(bench: BenchStack, api: ApiClient, zipPath: string): Promise<Sample<ExportRun>> {
  const cpu = serverCpu(bench);
  const t0 = performance.now();
  const submitted = await api.submit({ kind: 'export', objectType: 'entry-points', fileName: 'bench-entry-points' });
  const done = await api.waitUntilEnded(submitted.id, OPERATION_TIMEOUT_MS);
  const completedMs = Math.round(performance.now() - t0);
  expectCompleted(done, EXPORT_OBJECTS);
  const downloaded = await api.download(`/v1/bulk/operations/${submitted.id}/result`, zipPath);
  const ms = performance.now() - t0;
  const cpuSeconds = cpu.stop();
  const split = await activitySplit(bench.client, bench.tenant.id);
  const content = await countZipRows(zipPath);
  if (
    !downloaded.contentType.startsWith('application/zip') ||
    content.files !== 10 ||
    content.rows !== EXPORT_OBJECTS
  ) {
    throw new Error(
      `export result is ${downloaded.contentType} with ${content.files} files and ${content.rows} rows (expected a ZIP of 10 CSVs, ${EXPORT_OBJECTS} rows)`,
    );
  }
  return { ms, data: { completedMs, zipBytes: downloaded.bytes, split, cpuSeconds } };
}

async function run({ bench, api, tmp, options }: BenchContext): Promise<BenchResult> {
  const { repeat } = options;
  const tenantId = bench.tenant.id;
  const client = await connectDriver(bench.env.MONGODB_URI ?? '');
  try {
    log(`export: seeding ${EXPORT_OBJECTS} entry-points through the store's own write`);
    const objects = entryPointObjects(EXPORT_OBJECTS);
    let part = 0;
    for (const batch of chunks(objects, 5000)) {
      await writeConfigObjects(bench.db.config, tenantId, 'entry-points', batch, `bench-seed-${part}`);
      part += 1;
    }
    const seeded = await baselineRead(client.db(), tenantId);
    if (seeded !== EXPORT_OBJECTS) throw new Error(`seeded ${seeded} objects, expected ${EXPORT_OBJECTS}`);

    const baselines: Sample<Record<string, number>>[] = [];
    const runs: Sample<ExportRun>[] = [];
    for (let round = 1; round <= repeat; round += 1) {
      // Baseline: the exporter's read of the same objects with the bare driver (head, then the chunks by `_id`, in
      // key order, parsed); nothing else.
      const cpu = serverCpu(bench);
      const b0 = performance.now();
      const read = await baselineRead(client.db(), tenantId);
      const baselineMs = performance.now() - b0;
      baselines.push({ ms: baselineMs, data: cpu.stop() });
      if (read !== EXPORT_OBJECTS) throw new Error(`baseline read ${read} objects, expected ${EXPORT_OBJECTS}`);
      const sample = await exportOnce(bench, api, path.join(tmp, 'export.zip'));
      runs.push(sample);
      log(
        `export ${round}/${repeat}: baseline ${seconds(baselineMs)}, ccflow ${seconds(sample.ms)}; ${describeSplit(sample.data.split)}`,
      );
    }
    log('export: diagnostics');
    const diagnostics = await exportDiagnostics(objects, tmp);
    const measured = median(runs.map((sample) => sample.ms));
    const baseline = median(baselines.map((sample) => sample.ms));
    const typical = medianSample(runs);
    const ratio = measured / baseline;
    return {
      name: `export ${EXPORT_OBJECTS} objects (entry-points → ZIP of 10 CSVs)`,
      status: 'ok',
      unit: 'ms',
      measured: Math.round(measured),
      measuredLabel: `median of ${repeat}: POST export → completed → GET /result downloaded`,
      baseline: Math.round(baseline),
      baselineLabel: `median of ${repeat}: bare driver, the exporter's reads (head, then chunks by _id in key order, parsed) of the same objects`,
      ratio: round(ratio),
      target: '≤ 1.5',
      met: ratio <= 1.5,
      details: {
        runsMs: runs.map((sample) => Math.round(sample.ms)),
        baselinesMs: baselines.map((sample) => Math.round(sample.ms)),
        completedMs: typical.data.completedMs,
        downloadMs: Math.round(typical.ms - typical.data.completedMs),
        zipBytes: typical.data.zipBytes,
        diagnostics,
        cpuSecondsMeasured: typical.data.cpuSeconds,
        cpuSecondsBaseline: medianSample(baselines).data,
        split: describeSplit(typical.data.split),
        history: splitDetails(typical.data.split),
      },
    };
  } finally {
    await client.close();
  }
}

export function exportBenchmark(): Benchmark {
  return { id: 'export', label: `export ${EXPORT_OBJECTS} objects`, unit: 'ms', target: '≤ 1.5', run };
}
