/**
 * Peak worker memory during a 50 MB audio import (target peak ≤ 256 MB): the compiled production worker, in a child
 * process serving only the bulk task queue, sampled while it imports a ZIP of 25 WAV files; its idle RSS is the
 * baseline.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs, { openAsBlob } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OperationView } from '../../api/bulk/views';
import { BULK_LIMITS } from '../../domain/bulk/limits';
import { taskQueue } from '../../domain/ids';
import { expectCompleted } from '../api';
import { type BenchContext, type Benchmark, OPERATION_TIMEOUT_MS, serverCpu, splitDetails } from '../benchmark';
import { writeWavZip } from '../data';
import { activitySplit, describeSplit } from '../history';
import { readStatus, resetPeak, sampleRss, toMb } from '../proc';
import { type BenchResult, errorText, log, round, seconds } from '../report';
import type { BenchStack } from '../stack';

const repoRoot = path.resolve(__dirname, '../..');
const benchDir = path.resolve(__dirname, '..');
const AUDIO_FILES = 25;
const AUDIO_FILE_BYTES = 2_000_000;

async function waitForWorker(bench: BenchStack, child: ChildProcess): Promise<void> {
  const queue = taskQueue('bulk', bench.config.CCFLOW_TASK_QUEUE_PREFIX);
  const identity = `${child.pid}@`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`worker process exited with code ${child.exitCode}`);
    const described = await bench.client.workflowService.describeTaskQueue({
      namespace: bench.config.TEMPORAL_NAMESPACE,
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

/** The compiled worker (`npm run build`) in a child process polling only the bulk task queue, with the memory probe. */
function spawnWorker(bench: BenchStack, tmp: string): { child: ChildProcess; logPath: string; probePath: string } {
  const logPath = path.join(tmp, 'worker-child.log');
  const logFd = fs.openSync(logPath, 'a');
  const probePath = path.join(tmp, 'worker-probe.json');
  const probeModule = path.join(benchDir, 'worker-probe.mjs');
  const child = spawn(process.execPath, ['--import', probeModule, path.join(repoRoot, 'dist/worker/main.js')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...bench.env,
      LOG_LEVEL: 'warn',
      CCFLOW_BENCH_PROBE_FILE: probePath,
      CCFLOW_WORKER_TASK_QUEUES: 'bulk',
      CCFLOW_WORKFLOW_BUNDLE_DIR: path.join(repoRoot, 'dist/workflow-bundles'),
    },
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  return { child, logPath, probePath };
}

async function measure(bench: BenchStack, api: BenchContext['api'], tmp: string, zip: { path: string; bytes: number }) {
  await bench.stopWorkers(); // from here on only the child process runs activities
  // Measured as production runs it: the compiled build (no tsx), a worker deployment serving the bulk task queue.
  log('audio: building the production worker (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  const { child, logPath, probePath } = spawnWorker(bench, tmp);
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
    log(`audio: importing ${(zip.bytes / 1024 / 1024).toFixed(1)} MiB ZIP of ${AUDIO_FILES} WAV files`);
    const t0 = performance.now();
    let worker: ReturnType<typeof workerRss.stop>;
    let benchPeak: ReturnType<typeof benchRss.stop>;
    let done: OperationView;
    let accepted: number;
    try {
      const submitted = await api.submit(
        { kind: 'import', objectType: 'audio-files' },
        { content: await openAsBlob(zip.path), name: 'bench-prompts.zip' },
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
    const stored = await bench.db.audioFiles.countDocuments({ tenantId: bench.tenant.id });
    if (stored !== AUDIO_FILES) throw new Error(`audio import recorded ${stored} files, expected ${AUDIO_FILES}`);
    const split = await activitySplit(bench.client, bench.tenant.id);
    const peak = Math.max(worker.peakSampledBytes, peaksReset ? worker.peakHwmBytes : 0);
    const benchPeakBytes = Math.max(benchPeak.peakSampledBytes, peaksReset ? benchPeak.peakHwmBytes : 0);
    log(`audio: ${seconds(elapsed)}; worker peak ${toMb(peak)} MB (idle ${toMb(idle)} MB); ${describeSplit(split)}`);
    const result: BenchResult = {
      name: `peak worker RSS, audio import (${(zip.bytes / 1024 / 1024).toFixed(1)} MiB ZIP, ${AUDIO_FILES} WAV files)`,
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
    return result;
  } catch (error) {
    process.stderr.write(`--- worker child log (${logPath}) ---\n${fs.readFileSync(logPath, 'utf8').slice(-4000)}\n`);
    throw error;
  } finally {
    await stopChild(child);
  }
}

export function audioMemoryBenchmark(): Benchmark {
  let zip: { path: string; bytes: number } | undefined;
  return {
    id: 'audio-memory',
    label: 'peak worker RSS, audio import',
    unit: 'MB',
    target: 'peak ≤ 256 MB',
    // The audio ZIP is built before the stack exists, so its buffers are long gone when memory is measured.
    async prepare(tmp) {
      const zipPath = path.join(tmp, 'prompts.zip');
      const written = await writeWavZip(zipPath, AUDIO_FILES, AUDIO_FILE_BYTES);
      if (written.bytes > BULK_LIMITS.maxAudioZipBytes) {
        throw new Error(`audio ZIP is ${written.bytes} bytes, above the limit`);
      }
      log(`audio ZIP: ${written.bytes} bytes`);
      zip = { path: zipPath, bytes: written.bytes };
    },
    async run({ bench, api, tmp }) {
      if (!zip) throw new Error('audio ZIP not prepared');
      return measure(bench, api, tmp, zip);
    },
  };
}
