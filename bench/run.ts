/**
 * `npm run bench`: end-to-end benchmarks of the bulk pipeline and job routing on its own embedded stack (Temporal
 * dev server, FerretDB, in-process API over real HTTP, in-process or child-process workers), each against a baseline
 * measured in the same run. Prints every figure, a summary table and one JSON line, and writes
 * bench/results/latest.json. One file per benchmark in bench/benchmarks/.
 *
 *   npm run bench                      import 5000 rows ≈ 5 MB, export 50,000 objects, the store under load
 *                                      (50,000 sites: pages, import into a full type, concurrent imports), job
 *                                      routing (offer latency, sustained lifecycles, lists of 50,000 jobs), outbound
 *                                      jobs (ListJobs of 99 of 10,000 jobs, AssignJobsAsync of 10,000), audio import
 *                                      of 50 MB
 *   npm run bench -- import export     only these (names: import, export, config-pages, import-into-full,
 *                                      concurrent-imports, routing-offer-latency, routing-lifecycle, routing-lists,
 *                                      outbound-list-jobs, outbound-assign-async, audio-memory, store,
 *                                      operation-list), in that order
 *   npm run bench -- store             the store candidates' query and write shapes (issue #8), a table
 *   npm run bench -- operation-list    GET /v1/bulk/operations with 10,000 operations stored (opt-in, ≈ 9 min)
 *   npm run bench -- config-pages import-into-full concurrent-imports --objects=5000
 *                                      the store under load (issue #8; in the default run too) on a smaller store;
 *                                      options --objects= --tenants= --clients= … in bench/load/options.ts
 *   npm run bench -- routing-offer-latency routing-lifecycle routing-lists
 *                                      job routing only (issue 9; in the default run too, ≈ 4 min with the stack);
 *                                      options --routing-duration= --routing-workers= … in bench/routing/options.ts
 *   npm run bench -- outbound-list-jobs outbound-assign-async
 *                                      outbound jobs only (issue 11; in the default run too): ListJobs of 99 ids
 *                                      against the bare driver, AssignJobsAsync of 10,000 jobs until all Scheduling;
 *                                      options --outbound-jobs= --outbound-requests= … in bench/outbound/options.ts
 *   npm run bench -- --import-rows=N   another import size (the CSV keeps ~1 KiB per row)
 *   npm run bench -- --repeat=N        rounds of baseline + measurement per time benchmark (default 3; medians)
 *   npm run bench -- --strict          exit 2 when a target is missed
 *
 * Exit code: 0 when every benchmark ran (missed targets are reported), 1 when one failed, 2 with --strict on a miss.
 * See docs/benchmarks.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as prettier from 'prettier';
import { BULK_LIMITS } from '../domain/bulk/limits';
import { ApiClient, expectCompleted } from './api';
import { type Benchmark, FULL_IMPORT_ROWS, OPERATION_TIMEOUT_MS, type Options } from './benchmark';
import { audioMemoryBenchmark } from './benchmarks/audio-memory';
import { exportBenchmark } from './benchmarks/export';
import { importBenchmark } from './benchmarks/import';
import { operationListBenchmark } from './benchmarks/operation-list';
import { storeBenchmark } from './benchmarks/store';
import { concurrentImportsBenchmark } from './benchmarks/concurrent-imports';
import { configPagesBenchmark } from './benchmarks/config-pages';
import { importIntoFullBenchmark } from './benchmarks/import-into-full';
import { routingLifecycleBenchmark } from './benchmarks/routing-lifecycle';
import { routingListsBenchmark } from './benchmarks/routing-lists';
import { routingOfferLatencyBenchmark } from './benchmarks/routing-offer-latency';
import { outboundAssignAsyncBenchmark } from './benchmarks/outbound-assign-async';
import { outboundListJobsBenchmark } from './benchmarks/outbound-list-jobs';
import { parseLoadOptions } from './load/options';
import { parseOutboundOptions } from './outbound/options';
import { parseRoutingOptions } from './routing/options';
import { waitForIdle } from './proc';
import { type BenchResult, failedResult, log, printResult, round, started, summaryTable } from './report';
import { type BenchStack, startBenchStack } from './stack';

/** Benchmarks that run only when named: the store comparison takes ~10 minutes and measures candidates, not ccflow. */
const OPT_IN = ['store', 'operation-list'];

/** Every benchmark, in the order they run. */
function registry(options: Options): Benchmark[] {
  const load = parseLoadOptions(process.argv.slice(2)); // --objects= --tenants= --clients= --duration= …
  const routing = parseRoutingOptions(process.argv.slice(2)); // --routing-duration= --routing-workers= …
  const outbound = parseOutboundOptions(process.argv.slice(2)); // --outbound-jobs= --outbound-requests= …
  return [
    importBenchmark(options),
    exportBenchmark(),
    // Before audio-memory, which stops the in-process workers these need.
    configPagesBenchmark(load),
    importIntoFullBenchmark(load),
    concurrentImportsBenchmark(load),
    // Job routing (issue 9), before audio-memory too: the routing workflows run on the in-process workers.
    routingOfferLatencyBenchmark(routing),
    routingLifecycleBenchmark(routing),
    routingListsBenchmark(routing),
    // Outbound jobs (issue 11), before audio-memory too: AssignJobsAsync runs on the in-process outbound worker.
    outboundListJobsBenchmark(outbound),
    outboundAssignAsyncBenchmark(outbound),
    audioMemoryBenchmark(),
    storeBenchmark(options),
    operationListBenchmark(),
  ];
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
  const flags = new Set(['--strict']);
  const unknownFlag = argv.find((arg) => arg.startsWith('-') && !flags.has(arg) && !arg.includes('='));
  if (unknownFlag) throw new Error(`unknown option ${unknownFlag}`);
  const benchmarks = argv.filter((arg) => !arg.startsWith('-'));
  return { benchmarks, importRows, repeat, strict: argv.includes('--strict') };
}

function selectBenchmarks(options: Options): Benchmark[] {
  const all = registry(options);
  const known = all.map((benchmark) => benchmark.id);
  const unknown = options.benchmarks.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${known.join(', ')}`);
  if (options.benchmarks.length === 0) return all.filter((benchmark) => !OPT_IN.includes(benchmark.id));
  return all.filter((benchmark) => options.benchmarks.includes(benchmark.id));
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

async function runBenchmarks(options: Options, selected: Benchmark[], tmp: string): Promise<BenchResult[]> {
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
    for (const benchmark of selected) await benchmark.prepare?.(tmp);
    log('starting Temporal dev server, FerretDB, API and workers');
    bench = await startBenchStack();
    const stackReady = bench;
    const api = new ApiClient(bench.baseUrl, bench.tenant.apiKey);
    log(`API on ${bench.baseUrl}; warming up`);
    await warmUp(api);
    const ferretdb = bench.serverPids.ferretdb;
    const settle = async (): Promise<void> => {
      if (ferretdb && !(await waitForIdle(ferretdb, 15 * 60 * 1000))) log('FerretDB still busy after 15 min; going on');
    };
    for (const benchmark of selected) {
      let result: BenchResult;
      try {
        result = await benchmark.run({ bench: stackReady, api, tmp, options });
      } catch (error) {
        log(`${benchmark.label} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        result = failedResult(benchmark.label, benchmark.unit, benchmark.target, error);
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
  return results;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const selected = selectBenchmarks(options);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-bench-'));
  const results = await runBenchmarks(options, selected, tmp);

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
