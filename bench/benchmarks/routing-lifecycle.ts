/**
 * Sustained job lifecycles (issue 9; targets: ratio to bare Temporal ≤ 1.5, ≥ 100 routing requests/s, no errors):
 * a fresh tenant with `--routing-workers` (20) workers of capacity 1 (bench/routing/setup.ts), one simulated agent per
 * worker, and producers that keep as many jobs open (created, not yet closed) as there are agents. Each agent loops:
 * poll `GET /routing/workers/{id}` (a pause of `--routing-poll-ms`, 50 ms, between polls) until an offer shows, then
 * `:accept`, `:complete`, `:close`. After `--routing-warmup` (5 s), `--routing-duration` (30 s) are measured:
 * lifecycles closed, every HTTP request (polls included) and errors; per lifecycle, PATCH sent → close answered and
 * its parts. Then the producers stop and the agents close what is still open. The clients run in a child process
 * (bench/routing/driver.ts) over real HTTP.
 *
 * Baseline, after the measurement (it needs the count): "bare Temporal", the same number of lifecycles of an empty
 * workflow with an update handler (bench/routing/baseline-workflow.ts, run by a Worker in the bench process on its own
 * task queue) — an update-with-start plus 3 updates each, as many as PATCH, accept, complete and close — by as many
 * loops as ccflow keeps jobs open, straight to Temporal from a child process. Ratio = the measured window ÷ the bare
 * lifecycles' wall time.
 */
import { randomBytes } from 'node:crypto';
import { type BenchContext, type Benchmark, serverCpu } from '../benchmark';
import { describeLatency, summarize } from '../load/page-load';
import { type BenchResult, log, round, seconds } from '../report';
import { startBaselineWorker } from '../routing/baseline-worker';
import { runDriverInChild } from '../routing/driver';
import type { RoutingOptions } from '../routing/options';
import { routingTenant } from '../routing/setup';
import { workflowTaskStats } from '../routing/timeline';
import { routerJobWorkflowId, tenantRouterWorkflowId } from '../../domain/ids';

const TARGET_RATIO = 1.5;
const TARGET_RPS = 100;
const PRODUCERS = 4;
const DRAIN_MS = 60_000;
const TIMEOUT_MS = 30_000;
const BARE_WARMUP = 20;
const TARGET = `ratio ≤ ${TARGET_RATIO}; ≥ ${TARGET_RPS} routing requests/s; 0 errors`;

async function run({ bench }: BenchContext, options: RoutingOptions): Promise<BenchResult> {
  const tenant = await routingTenant(bench, 'Routing: lifecycles', options.workers);
  const tag = randomBytes(3).toString('hex');
  log(
    `routing-lifecycle: ${options.workers} agents, ${options.workers} jobs open at most, ` +
      `${options.warmupS} s warm-up + ${options.durationS} s measured, polls ${options.pollMs} ms apart`,
  );
  const cpu = serverCpu(bench);
  const ccflow = await runDriverInChild(
    {
      mode: 'lifecycle',
      baseUrl: bench.baseUrl,
      apiKey: tenant.apiKey,
      workerIds: tenant.workerIds,
      queueId: tenant.queueId,
      jobPrefix: `life-${tag}`,
      inFlight: options.workers,
      producers: PRODUCERS,
      warmupMs: options.warmupS * 1000,
      durationMs: options.durationS * 1000,
      drainMs: DRAIN_MS,
      pollMs: options.pollMs,
      timeoutMs: TIMEOUT_MS,
    },
    (options.warmupS + options.durationS) * 1000 + DRAIN_MS + 2 * TIMEOUT_MS + 60_000,
  );
  const ccflowCpu = { ...cpu.stop(), driver: ccflow.cpuSeconds };
  const windowS = ccflow.windowMs / 1000;
  const windowRequests = Object.values(ccflow.windowRequests).reduce((sum, n) => sum + n, 0);
  const rps = windowRequests / windowS;
  const perSecond = Object.fromEntries(
    Object.entries(ccflow.windowRequests).map(([kind, n]) => [kind, round(n / windowS, 1)]),
  );
  const latency = summarize(ccflow.latencies.map((l) => l.totalMs));
  const parts = {
    createToOfferSeen: summarize(ccflow.latencies.map((l) => l.offerMs)),
    accept: summarize(ccflow.latencies.map((l) => l.acceptMs)),
    complete: summarize(ccflow.latencies.map((l) => l.completeMs)),
    close: summarize(ccflow.latencies.map((l) => l.closeMs)),
  };
  log(
    `routing-lifecycle: ${ccflow.lifecycles} lifecycles in ${windowS} s = ${(ccflow.lifecycles / windowS).toFixed(1)}/s, ` +
      `${windowRequests} requests = ${rps.toFixed(1)}/s ${JSON.stringify(perSecond)}, ${ccflow.errors} errors; ` +
      `per lifecycle ${describeLatency(latency)}`,
  );
  for (const sample of ccflow.errorSamples) log(`routing-lifecycle: error: ${sample}`);
  if (ccflow.lifecycles === 0) throw new Error('no lifecycle closed in the measured window');

  // Where the pipeline queues: the tenant's router (one workflow, one task at a time) over the window, and the
  // workflow tasks of a few jobs' whole lives.
  const router = await workflowTaskStats(
    bench.client,
    tenantRouterWorkflowId(tenant.id),
    ccflow.windowStartAt,
    ccflow.windowEndAt,
  );
  log(
    `routing-lifecycle: router over the window: ${router.workflowTasks} workflow tasks (${router.runs} run(s)), ` +
      `queued mean ${router.queuedMs.mean} ms, processing mean ${router.processingMs.mean} ms (p95 ` +
      `${router.processingMs.p95}), busy ${Math.round(router.busyShare * 100)} % of the window, ` +
      `signals ${JSON.stringify(router.signals)}, ${router.localActivities} local activities`,
  );
  const jobStats = await Promise.all(
    ccflow.sampleJobIds.map((jobId) =>
      workflowTaskStats(bench.client, routerJobWorkflowId(tenant.id, jobId), 0, Number.MAX_SAFE_INTEGER),
    ),
  );
  const mean = (values: number[]) => Math.round(values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length));
  const jobs = {
    sampled: jobStats.length,
    workflowTasksPerJob: round(jobStats.reduce((sum, s) => sum + s.workflowTasks, 0) / Math.max(1, jobStats.length), 1),
    queuedMsMean: mean(jobStats.map((s) => s.queuedMs.mean)),
    processingMsMean: mean(jobStats.map((s) => s.processingMs.mean)),
    localActivitiesPerJob: round(
      jobStats.reduce((sum, s) => sum + s.localActivities, 0) / Math.max(1, jobStats.length),
      1,
    ),
  };
  log(
    `routing-lifecycle: ${jobs.sampled} jobs: ${jobs.workflowTasksPerJob} workflow tasks each, queued mean ` +
      `${jobs.queuedMsMean} ms, processing mean ${jobs.processingMsMean} ms, ${jobs.localActivitiesPerJob} local activities`,
  );

  log(`routing-lifecycle: baseline, ${ccflow.lifecycles} bare lifecycles by ${options.workers} loops`);
  const baseline = await startBaselineWorker(bench);
  let bare;
  const bareCpu = serverCpu(bench);
  try {
    bare = await runDriverInChild(
      {
        mode: 'bare',
        temporal: {
          address: bench.env.TEMPORAL_ADDRESS ?? '',
          namespace: bench.config.TEMPORAL_NAMESPACE,
          taskQueue: baseline.taskQueue,
        },
        idPrefix: `bare-${tag}`,
        warmup: BARE_WARMUP,
        count: ccflow.lifecycles,
        concurrency: options.workers,
      },
      ccflow.lifecycles * TIMEOUT_MS + 120_000,
    );
  } finally {
    await baseline.stop();
  }
  const bareCpuSeconds = { ...bareCpu.stop(), driver: bare.cpuSeconds };
  const bareLatency = summarize(bare.latencies);
  log(
    `routing-lifecycle: bare ${bare.count} lifecycles in ${seconds(bare.elapsedMs)} = ` +
      `${(bare.count / (bare.elapsedMs / 1000)).toFixed(1)}/s, ${bare.errors} errors; per lifecycle ${describeLatency(bareLatency)}`,
  );
  if (bare.errors > 0) throw new Error(`bare baseline had ${bare.errors} errors: ${bare.errorSamples.join('; ')}`);

  const ratio = ccflow.windowMs / bare.elapsedMs;
  const met = ratio <= TARGET_RATIO && rps >= TARGET_RPS && ccflow.errors === 0 && ccflow.leftOpen === 0;
  return {
    name: `job lifecycles, ${options.workers} agents for ${options.durationS} s (create, offer, accept, complete, close)`,
    status: 'ok',
    unit: 'ms',
    measured: ccflow.windowMs,
    measuredLabel:
      `${ccflow.lifecycles} lifecycles in ${windowS} s = ${(ccflow.lifecycles / windowS).toFixed(1)}/s; ` +
      `${rps.toFixed(1)} routing requests/s (polls included); ${ccflow.errors} errors ` +
      `(${ccflow.earlyAccepts} of them accepts of a visible offer refused with 404, retried); ` +
      `per lifecycle p50 ${latency.p50} ms, p95 ${latency.p95} ms`,
    baseline: Math.round(bare.elapsedMs),
    baselineLabel:
      `the same ${bare.count} lifecycles in bare Temporal (update-with-start + 3 updates, ${options.workers} loops): ` +
      `${(bare.count / (bare.elapsedMs / 1000)).toFixed(1)}/s, per lifecycle p50 ${bareLatency.p50} ms, p95 ${bareLatency.p95} ms`,
    ratio: round(ratio),
    target: TARGET,
    met,
    details: {
      options,
      lifecyclesPerS: round(ccflow.lifecycles / windowS, 2),
      requestsPerS: round(rps, 1),
      requestsPerSByKind: perSecond,
      windowRequests: ccflow.windowRequests,
      lifecycleLatency: latency,
      lifecycleParts: parts,
      errors: ccflow.errors,
      earlyAccept404: ccflow.earlyAccepts,
      created: ccflow.created,
      closed: ccflow.closed,
      leftOpen: ccflow.leftOpen,
      lifecyclesPerAgent: { min: Math.min(...ccflow.perAgent), max: Math.max(...ccflow.perAgent) },
      cpuSeconds: ccflowCpu,
      routerWorkflowTasks: router,
      jobWorkflowTasks: jobs,
      bare: {
        count: bare.count,
        elapsedMs: Math.round(bare.elapsedMs),
        perS: round(bare.count / (bare.elapsedMs / 1000), 2),
        latency: bareLatency,
        cpuSeconds: bareCpuSeconds,
      },
      ...(ccflow.errorSamples.length > 0 ? { errorSamples: ccflow.errorSamples } : {}),
    },
  };
}

export function routingLifecycleBenchmark(options: RoutingOptions): Benchmark {
  return {
    id: 'routing-lifecycle',
    label: 'job lifecycles',
    unit: 'ms',
    target: TARGET,
    run: (context) => run(context, options),
  };
}
