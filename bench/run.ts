/**
 * `npm run bench`: end-to-end benchmarks of the bulk pipeline on its own embedded stack (Temporal dev server,
 * FerretDB, in-process API over real HTTP, in-process or child-process workers), each against a baseline measured in
 * the same run. Prints every figure, a summary table and one JSON line, and writes bench/results/latest.json.
 *
 *   npm run bench                      import 5000 rows ≈ 5 MB, export 50,000 objects, audio import of 50 MB
 *   npm run bench -- --import-rows=N   another import size (the CSV keeps ~1 KiB per row)
 *   npm run bench -- --repeat=N        rounds of baseline + measurement per time benchmark (default 3; medians)
 *   npm run bench -- --strict          exit 2 when a target is missed
 *
 * Exit code: 0 when every benchmark ran (missed targets are reported), 1 when one failed, 2 with --strict on a miss.
 * See docs/benchmarks.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs, { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { type Collection, MongoClient } from 'mongodb';
import * as prettier from 'prettier';
import { configCollectionName, configObjectId, type ConfigObjectDoc } from '../db/bulk/config-objects';
import { templateHeader } from '../domain/bulk/headers';
import type { ObjectTypeSpec } from '../domain/bulk/catalog';
import { BULK_LIMITS } from '../domain/bulk/limits';
import { type ConfigData, toCsvRecord } from '../domain/bulk/rows';
import { taskQueue } from '../domain/ids';
import { forEachZipEntry } from '../activities/zip/reader';
import { writeZip } from '../activities/zip/writer';
import type { OperationBody } from '../test/support/bulk';
import { ApiClient, expectCompleted } from './api';
import { entryPointDocs, type ImportFile, importCsv, type ParsedRow, parseRows, spec, writeWavZip } from './data';
import { activitySplit, type ActivitySplit, describeSplit } from './history';
import { cpuMeter, readStatus, resetPeak, sampleRss, toMb, waitForIdle } from './proc';
import { type BenchStack, startBenchStack } from './stack';

const repoRoot = path.resolve(__dirname, '..');
const FULL_IMPORT_ROWS = 5000;
const EXPORT_OBJECTS = 50_000;
const AUDIO_FILES = 25;
const AUDIO_FILE_BYTES = 2_000_000;
const OPERATION_TIMEOUT_MS = 45 * 60 * 1000;

interface Options {
  importRows: number;
  repeat: number;
  strict: boolean;
}

function parseOptions(argv: string[]): Options {
  const rowsArg = argv.find((arg) => arg.startsWith('--import-rows='));
  const importRows = rowsArg ? Number(rowsArg.slice('--import-rows='.length)) : FULL_IMPORT_ROWS;
  if (!Number.isInteger(importRows) || importRows < 1 || importRows > BULK_LIMITS.maxRowsPerCsv) {
    throw new Error(`--import-rows must be an integer from 1 to ${BULK_LIMITS.maxRowsPerCsv}`);
  }
  const repeatArg = argv.find((arg) => arg.startsWith('--repeat='));
  const repeat = repeatArg ? Number(repeatArg.slice('--repeat='.length)) : 3;
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a positive integer');
  return { importRows, repeat, strict: argv.includes('--strict') };
}

interface BenchResult {
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

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function format(result: BenchResult, value: number | undefined): string {
  if (value === undefined) return '—';
  return result.unit === 'ms' ? seconds(value) : `${value} MB`;
}

function printResult(result: BenchResult): void {
  const verdict = result.status === 'failed' ? 'FAILED' : result.met ? 'MET' : 'MISSED';
  process.stdout.write(
    [
      `\n== ${result.name}`,
      `   measured: ${format(result, result.measured)}  (${result.measuredLabel})`,
      `   baseline: ${format(result, result.baseline)}  (${result.baselineLabel})`,
      `   ratio:    ${result.ratio?.toFixed(2) ?? '—'}   target ${result.target}: ${verdict}`,
      ...(result.error ? [`   error: ${result.error}`] : []),
      ...Object.entries(result.details)
        .filter(([key]) => key !== 'history') // in the JSON only
        .map(([key, value]) => `   ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`),
      '',
    ].join('\n'),
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

function splitDetails(split: ActivitySplit): Record<string, unknown> {
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

/** CPU seconds of the processes that do the work: this process (API + in-process workers), FerretDB, Temporal. */
function serverCpu(bench: BenchStack, extra: Record<string, number> = {}) {
  const pids: Record<string, number | 'self'> = { benchProcess: 'self', ...extra };
  for (const [name, pid] of Object.entries(bench.serverPids)) pids[name] = pid;
  return cpuMeter(pids);
}

/** A tiny import and export first, so that one-off costs (first workflow task, JIT, connections) are not measured. */
async function warmUp(api: ApiClient): Promise<void> {
  const rows = [
    ['Name', 'Description', 'Type'],
    ...Array.from({ length: 20 }, (_, i) => [`Warm ${i}`, 'warm-up', 'idle_code']),
  ];
  const imported = await api.submit(
    { kind: 'import', objectType: 'work-types' },
    { content: new Blob([rows.map((row) => row.join(',')).join('\r\n')]), name: 'work-types.csv' },
  );
  expectCompleted(await api.waitUntilEnded(imported.id, OPERATION_TIMEOUT_MS), 20);
  const exported = await api.submit({ kind: 'export', objectType: 'work-types' });
  expectCompleted(await api.waitUntilEnded(exported.id, OPERATION_TIMEOUT_MS), 20);
}

async function connectDriver(url: string): Promise<MongoClient> {
  // Same client options as db/connection.ts (FerretDB has no retryable writes).
  return MongoClient.connect(url, { serverSelectionTimeoutMS: 10000, retryWrites: false });
}

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

function completionError(body: OperationBody, total: number): string | undefined {
  try {
    expectCompleted(body, total);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

interface Sample<T> {
  ms: number;
  data: T;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** The sample whose time is the median (the lower middle one for an even count). */
function medianSample<T>(samples: Sample<T>[]): Sample<T> {
  const sorted = [...samples].sort((a, b) => a.ms - b.ms);
  const picked = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!picked) throw new Error('no samples');
  return picked;
}

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
  done: OperationBody;
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
  const split = await activitySplit(bench.stack.client, bench.stack.tenant.id);
  return { ms, data: { acceptedMs, done, split, cpuSeconds } };
}

async function importBenchmark(
  bench: BenchStack,
  api: ApiClient,
  tmp: string,
  rows: number,
  repeat: number,
): Promise<BenchResult> {
  const { stack } = bench;
  // ~1 KiB per row whatever the count: 5000 rows fill the 5 MB CSV limit exactly.
  const file = importCsv(rows, Math.floor((BULK_LIMITS.maxCsvBytes * rows) / FULL_IMPORT_ROWS));
  const type = spec(file.objectType);
  const parsed = parseRows(type, file.header, file.rows); // baseline input, parsed outside the timed section
  const csvPath = path.join(tmp, `${file.objectType}.csv`);
  fs.writeFileSync(csvPath, file.text);
  const tenantId = stack.tenant.id;
  const baselines: Sample<{ batchMs: number[]; cpuSeconds: Record<string, number> }>[] = [];
  const runs: Sample<ImportRun>[] = [];
  for (let round = 1; round <= repeat; round += 1) {
    const baseline = await importBaseline(bench, tenantId, type, parsed);
    baselines.push(baseline);
    log(`import ${round}/${repeat}: baseline ${seconds(baseline.ms)} (batches ${baseline.data.batchMs.join(', ')} ms)`);
    const run = await importOnce(bench, api, file, csvPath);
    runs.push(run);
    log(
      `import ${round}/${repeat}: ccflow ${run.data.done.status} in ${seconds(run.ms)}; ${describeSplit(run.data.split)}`,
    );
    const error = completionError(run.data.done, rows);
    if (error) throw new Error(error);
    const model = stack.db.configObjects(file.objectType);
    const stored = await model.countDocuments({ tenantId });
    if (stored !== rows) throw new Error(`import stored ${stored} objects, expected ${rows}`);
    await model.deleteMany({ tenantId }); // the next round imports into an empty collection again
  }
  const measured = median(runs.map((run) => run.ms));
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
      runsMs: runs.map((run) => Math.round(run.ms)),
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

/** The exporter's read (activities/bulk/export.ts): the tenant's objects, only `data`, in `_id` (= key) order. */
function exportQuery(collection: Collection<ConfigObjectDoc>, tenantId: string, sorted = true) {
  const cursor = collection.find({ tenantId }, { projection: { data: 1 }, batchSize: 1000 });
  return sorted ? cursor.sort({ _id: 1 }) : cursor;
}

/**
 * Where an export's time goes, measured apart (not part of the baseline): the same read without the sort, and the
 * CSV + ZIP work alone on the documents held in memory (no database).
 */
async function exportDiagnostics(
  collection: Collection<ConfigObjectDoc>,
  tenantId: string,
  docs: ConfigObjectDoc[],
  tmp: string,
): Promise<Record<string, number>> {
  let t = performance.now();
  for await (const _doc of exportQuery(collection, tenantId, false)) void _doc;
  const unsortedReadMs = Math.round(performance.now() - t);
  const type = spec('entry-points');
  const header = templateHeader(type);
  const sorted = [...docs].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  t = performance.now();
  function* entries() {
    for (let index = 0; index * BULK_LIMITS.exportRowsPerFile < sorted.length; index += 1) {
      const part = sorted.slice(index * BULK_LIMITS.exportRowsPerFile, (index + 1) * BULK_LIMITS.exportRowsPerFile);
      function* records() {
        yield header;
        for (const doc of part) yield toCsvRecord(type, doc.data as ConfigData);
      }
      yield {
        name: `part-${index + 1}.csv`,
        content: Readable.from(records()).pipe(stringify({ record_delimiter: 'windows' })),
      };
    }
  }
  await writeZip(path.join(tmp, 'format-only.zip'), entries());
  const csvAndZipOnlyMs = Math.round(performance.now() - t);
  return { unsortedReadMs, csvAndZipOnlyMs };
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
  const split = await activitySplit(bench.stack.client, bench.stack.tenant.id);
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

async function exportBenchmark(bench: BenchStack, api: ApiClient, tmp: string, repeat: number): Promise<BenchResult> {
  const { stack } = bench;
  const tenantId = stack.tenant.id;
  const client = await connectDriver(stack.env.MONGODB_URI ?? '');
  try {
    const collection = client.db().collection<ConfigObjectDoc>(configCollectionName('entry-points'));
    log(`export: seeding ${EXPORT_OBJECTS} entry-points with the driver`);
    const docs = entryPointDocs(tenantId, EXPORT_OBJECTS);
    for (const batch of chunks(docs, 1000)) await collection.insertMany(batch, { ordered: false });
    const seeded = await collection.countDocuments({ tenantId });
    if (seeded !== EXPORT_OBJECTS) throw new Error(`seeded ${seeded} objects, expected ${EXPORT_OBJECTS}`);

    const baselines: Sample<Record<string, number>>[] = [];
    const runs: Sample<ExportRun>[] = [];
    for (let round = 1; round <= repeat; round += 1) {
      // Baseline: the exporter's read of the same documents with the bare driver (same filter, projection, sort by
      // `_id` = `{tenant}:{key}`, i.e. key order, and batch size); nothing else.
      const cpu = serverCpu(bench);
      const b0 = performance.now();
      let read = 0;
      for await (const _doc of exportQuery(collection, tenantId)) read += 1;
      const baselineMs = performance.now() - b0;
      baselines.push({ ms: baselineMs, data: cpu.stop() });
      if (read !== EXPORT_OBJECTS) throw new Error(`baseline read ${read} objects, expected ${EXPORT_OBJECTS}`);
      const run = await exportOnce(bench, api, path.join(tmp, 'export.zip'));
      runs.push(run);
      log(
        `export ${round}/${repeat}: baseline ${seconds(baselineMs)}, ccflow ${seconds(run.ms)}; ${describeSplit(run.data.split)}`,
      );
    }
    log('export: diagnostics');
    const diagnostics = await exportDiagnostics(collection, tenantId, docs, tmp);
    const measured = median(runs.map((run) => run.ms));
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
      baselineLabel: `median of ${repeat}: bare driver, the exporter's cursor (data only, key order, batches of 1000) over the same documents`,
      ratio: round(ratio),
      target: '≤ 1.5',
      met: ratio <= 1.5,
      details: {
        runsMs: runs.map((run) => Math.round(run.ms)),
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

async function waitForWorker(bench: BenchStack, child: ChildProcess): Promise<void> {
  const queue = taskQueue('bulk', bench.stack.config.CCFLOW_TASK_QUEUE_PREFIX);
  const identity = `${child.pid}@`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`worker process exited with code ${child.exitCode}`);
    const described = await bench.stack.client.workflowService.describeTaskQueue({
      namespace: bench.stack.config.TEMPORAL_NAMESPACE,
      taskQueue: { name: queue },
    });
    if (described.pollers?.some((poller) => poller.identity?.startsWith(identity))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('worker process did not start polling within 120 s');
}

/** The worker probe's last reading (bench/worker-probe.mjs), in MB: where the idle worker's memory is. */
function readProbe(probePath: string): Record<string, number> | string {
  try {
    const probe = JSON.parse(fs.readFileSync(probePath, 'utf8')) as Record<string, number>;
    const mb = (name: string) => toMb(probe[name] ?? 0);
    return {
      rss: mb('rss'),
      jsHeapTotal: mb('heapTotal'),
      jsHeapUsed: mb('heapUsed'),
      external: mb('external'),
      arrayBuffers: mb('arrayBuffers'),
      // Outside the main isolate: Node and V8 code, the Temporal core (Rust), and the workflow threads' isolates.
      outsideMainHeap: toMb((probe.rss ?? 0) - (probe.heapTotal ?? 0) - (probe.external ?? 0)),
    };
  } catch (error) {
    return `no probe reading: ${errorText(error)}`;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function audioMemoryBenchmark(
  bench: BenchStack,
  api: ApiClient,
  tmp: string,
  zipPath: string,
  zipBytes: number,
): Promise<BenchResult> {
  const { stack } = bench;
  await stack.stopWorkers(); // from here on only the child process runs activities
  const logPath = path.join(tmp, 'worker-child.log');
  const logFd = fs.openSync(logPath, 'a');
  const probePath = path.join(tmp, 'worker-probe.json');
  const probeModule = path.join(__dirname, 'worker-probe.mjs');
  // Measured as production runs it: the compiled build (no tsx), a worker deployment serving the bulk task queue.
  log('audio: building the production worker (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  const child = spawn(process.execPath, ['--import', probeModule, path.join(repoRoot, 'dist/worker/main.js')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...stack.env,
      LOG_LEVEL: 'warn',
      CCFLOW_BENCH_PROBE_FILE: probePath,
      CCFLOW_WORKER_TASK_QUEUES: 'bulk',
      CCFLOW_WORKFLOW_BUNDLE_DIR: path.join(repoRoot, 'dist/workflow-bundles'),
    },
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the worker process');
  try {
    await waitForWorker(bench, child);
    log(`audio: worker process ${pid} is polling; letting it settle`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idle = readStatus(pid).rssBytes;
    const idleProbe = readProbe(probePath);
    const benchBefore = readStatus('self').rssBytes;
    const peaksReset = resetPeak(pid) && resetPeak('self');
    const workerRss = sampleRss(pid);
    const benchRss = sampleRss('self');
    const cpu = serverCpu(bench, { workerProcess: pid });
    log(`audio: importing ${(zipBytes / 1024 / 1024).toFixed(1)} MiB ZIP of ${AUDIO_FILES} WAV files`);
    const t0 = performance.now();
    let worker: ReturnType<typeof workerRss.stop>;
    let benchPeak: ReturnType<typeof benchRss.stop>;
    let done: OperationBody;
    let accepted: number;
    try {
      const submitted = await api.submit(
        { kind: 'import', objectType: 'audio-files' },
        { content: await openAsBlob(zipPath), name: 'bench-prompts.zip' },
      );
      accepted = performance.now() - t0;
      done = await api.waitUntilEnded(submitted.id, OPERATION_TIMEOUT_MS);
    } finally {
      worker = workerRss.stop();
      benchPeak = benchRss.stop();
    }
    const elapsed = performance.now() - t0;
    const cpuS = cpu.stop();
    expectCompleted(done, AUDIO_FILES);
    const stored = await stack.db.audioFiles.countDocuments({ tenantId: stack.tenant.id });
    if (stored !== AUDIO_FILES) throw new Error(`audio import recorded ${stored} files, expected ${AUDIO_FILES}`);
    const split = await activitySplit(stack.client, stack.tenant.id);
    const peak = Math.max(worker.peakSampledBytes, peaksReset ? worker.peakHwmBytes : 0);
    const benchPeakBytes = Math.max(benchPeak.peakSampledBytes, peaksReset ? benchPeak.peakHwmBytes : 0);
    log(`audio: ${seconds(elapsed)}; worker peak ${toMb(peak)} MB (idle ${toMb(idle)} MB); ${describeSplit(split)}`);
    return {
      name: `peak worker RSS, audio import (${(zipBytes / 1024 / 1024).toFixed(1)} MiB ZIP, ${AUDIO_FILES} WAV files)`,
      status: 'ok',
      unit: 'MB',
      measured: toMb(peak),
      measuredLabel: `compiled worker process serving the bulk task queue, max of ${worker.samples} VmRSS samples (100 ms) and VmHWM`,
      baseline: toMb(idle),
      baselineLabel: 'the same worker process idle, just before the import',
      ratio: round(peak / idle),
      target: 'peak ≤ 256 MB',
      met: peak <= 256 * 1024 * 1024,
      details: {
        importMs: Math.round(elapsed),
        uploadAcceptedMs: Math.round(accepted),
        workerPeakSampledMb: toMb(worker.peakSampledBytes),
        workerPeakHwmMb: peaksReset ? toMb(worker.peakHwmBytes) : 'n/a (clear_refs not writable)',
        workerGrowthMb: toMb(peak - idle),
        workerIdleBreakdownMb: idleProbe,
        benchProcessRssBeforeMb: toMb(benchBefore),
        benchProcessPeakMb: toMb(benchPeakBytes),
        benchProcessGrowthMb: toMb(benchPeakBytes - benchBefore),
        benchProcessNote: 'in-process API (streams the upload to the blob store) + HTTP client + Temporal client',
        cpuSeconds: cpuS,
        split: describeSplit(split),
        history: splitDetails(split),
      },
    };
  } catch (error) {
    process.stderr.write(`--- worker child log (${logPath}) ---\n${fs.readFileSync(logPath, 'utf8').slice(-4000)}\n`);
    throw error;
  } finally {
    await stopChild(child);
  }
}

function summaryTable(results: BenchResult[]): string {
  const rows = [
    ['benchmark', 'measured', 'baseline', 'ratio', 'target', 'result'],
    ...results.map((r) => [
      r.name,
      format(r, r.measured),
      format(r, r.baseline),
      r.ratio?.toFixed(2) ?? '—',
      r.target,
      r.status === 'failed' ? 'FAILED' : r.met ? 'MET' : 'MISSED',
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ');
  return [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n');
}

function failedResult(name: string, unit: 'ms' | 'MB', target: string, error: unknown): BenchResult {
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

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-bench-'));
  const results: BenchResult[] = [];
  let bench: BenchStack | undefined;
  // Ctrl-C / kill: stop the servers and remove the temp files before exiting (the worker child shares our group).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: tearing down`);
      void (bench?.stop() ?? Promise.resolve())
        .catch(() => undefined)
        .finally(() => {
          fs.rmSync(tmp, { recursive: true, force: true });
          process.exit(signal === 'SIGINT' ? 130 : 143);
        });
    });
  }
  try {
    // The audio ZIP is built first, before the stack exists, so its buffers are long gone when memory is measured.
    const zipPath = path.join(tmp, 'prompts.zip');
    const zip = await writeWavZip(zipPath, AUDIO_FILES, AUDIO_FILE_BYTES);
    if (zip.bytes > BULK_LIMITS.maxAudioZipBytes) throw new Error(`audio ZIP is ${zip.bytes} bytes, above the limit`);
    log(`audio ZIP: ${zip.bytes} bytes`);
    log('starting Temporal dev server, FerretDB, API and workers');
    bench = await startBenchStack();
    const stackReady = bench;
    const api = new ApiClient(bench.baseUrl, bench.stack.tenant.apiKey);
    log(`API on ${bench.baseUrl}; warming up`);
    await warmUp(api);
    const ferretdb = bench.serverPids.ferretdb;
    const settle = async (): Promise<void> => {
      if (ferretdb && !(await waitForIdle(ferretdb, 15 * 60 * 1000))) log('FerretDB still busy after 15 min; going on');
    };
    const benchmarks: [string, 'ms' | 'MB', string, () => Promise<BenchResult>][] = [
      [
        `import ${options.importRows} rows`,
        'ms',
        '≤ 1.5',
        () => importBenchmark(stackReady, api, tmp, options.importRows, options.repeat),
      ],
      [`export ${EXPORT_OBJECTS} objects`, 'ms', '≤ 1.5', () => exportBenchmark(stackReady, api, tmp, options.repeat)],
      [
        'peak worker RSS, audio import',
        'MB',
        'peak ≤ 256 MB',
        () => audioMemoryBenchmark(stackReady, api, tmp, zipPath, zip.bytes),
      ],
    ];
    for (const [name, unit, target, run] of benchmarks) {
      let result: BenchResult;
      try {
        result = await run();
      } catch (error) {
        log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        result = failedResult(name, unit, target, error);
      }
      printResult(result);
      results.push(result);
      await settle(); // e.g. FerretDB finishing writes of a failed operation must not slow down the next benchmark
    }
  } finally {
    log('tearing down');
    await bench?.stop().catch((error: unknown) => log(`teardown: ${String(error)}`));
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const cpus = os.cpus();
  const summary = {
    date: new Date().toISOString(),
    options,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryGb: round(os.totalmem() / 1024 ** 3, 1),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
    },
    durationS: round((performance.now() - started) / 1000, 1),
    results,
  };
  process.stdout.write(`\n${summaryTable(results)}\n\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  // Formatted the way `npm run lint` (prettier --check .) expects, which does not read bench/.gitignore.
  const latest = path.join(resultsDir, 'latest.json');
  const prettierOptions = (await prettier.resolveConfig(latest)) ?? {};
  fs.writeFileSync(latest, await prettier.format(JSON.stringify(summary), { ...prettierOptions, filepath: latest }));
  const failed = results.filter((r) => r.status === 'failed');
  const missed = results.filter((r) => r.status === 'ok' && !r.met);
  if (failed.length > 0) log(`failed: ${failed.map((r) => r.name).join('; ')}`);
  if (missed.length > 0) log(`targets missed: ${missed.map((r) => r.name).join('; ')}`);
  if (failed.length > 0) return 1;
  return options.strict && missed.length > 0 ? 2 : 0;
}

main().then(
  // The Temporal native runtime keeps handles open after shutdown (sdk-typescript#928): exit explicitly.
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
