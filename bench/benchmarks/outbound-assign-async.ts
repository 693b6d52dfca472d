/**
 * OutboundBot `AssignJobsAsync` of `--outbound-assign-jobs` (10,000) jobs in one call (issue 11; no time target, the
 * target is correctness: every job created and `Scheduling`): the time from the request sent until every job exists
 * and is `Scheduling`.
 *
 * Setup, through the RPC API over real HTTP (keep-alive, the tenant's Bearer API key) on a fresh tenant:
 * `CreateInstance` (MaxConcurrentConversation=10, one calling number), `CreateJobGroup` whose StrategyJson starts one
 * day from now with `repeatBy` `once`, so that no job dials during the benchmark.
 *
 * Measured: `AssignJobsAsync` with `InstanceId`, `JobGroupId` and `JobsJson` in an `application/x-www-form-urlencoded`
 * body, `JobsJson` being ONE JSON array of the jobs' JSON strings, as the official SDK's "shrink" style sends it
 * (`["{\"contacts\":[…]}", …]`; each job a contact with a phone number and a reference id). Then
 * `GetAssignJobsAsyncResult` every 200 ms until `Valid` (failed on `Timeout`), its `JobsId` checked (as many distinct
 * ids as jobs), then `ListJobsByGroup` with `JobStatus=Scheduling` polled until `TotalCount` is the job count. The
 * figure is the time until both hold. Checks: the group's TotalCount without a status filter is the job count too,
 * and a pseudo-random sample of 99 `JobsId` read by `ListJobs` are all `Scheduling`, without any task (no attempt).
 * Progress (jobs listed, by ListJobsByGroup) is logged every 15 s; no progress for 120 s fails the benchmark (e.g.
 * no worker polls the `outbound` task queue). The time a count shows all Scheduling is when that count was sent.
 * Recorded too: CPU seconds of the bench process (API + in-process workers), FerretDB and Temporal over the run,
 * the assign workflow's activities from its history (batches: count, sum, p50, max), and how long after the checks
 * the Temporal server went idle (the new job workflows' first tasks still queued after Valid).
 *
 * Baseline (after the measurement, on another tenant): the floor of making as many jobs exist — their read model
 * written straight through `db.outboundJobs.insertMany` in batches of 500 (Scheduling views, no HTTP, no parsing,
 * no workflow).
 */
import { performance } from 'node:perf_hooks';
import { createTenantWithKey } from '../../db/api-keys';
import { type BenchContext, type Benchmark, serverCpu } from '../benchmark';
import { summarize } from '../load/page-load';
import { waitForIdle } from '../proc';
import { type BenchResult, log, round, seconds } from '../report';
import { assignSplit } from '../outbound/history';
import { type JobContext, phoneNumber, prng, scheduledJobView, uuidLike } from '../outbound/jobs';
import type { OutboundOptions } from '../outbound/options';
import { isRecord, OutboundRpc, repeatParams, sleep, stringAt } from '../outbound/rpc';
import type { BenchStack } from '../stack';

const RESULT_POLL_MS = 200;
const COUNT_POLL_MS = 500;
/** A group count scans the job index (FerretDB): often enough to see progress and stalls, rarely enough not to load it. */
const PROGRESS_POLL_MS = 15_000;
/** After the checks: how long to wait for Temporal to go idle (the new job workflows' first tasks). */
const SETTLE_LIMIT_MS = 5 * 60_000;
/** No new job listed for this long, and no Valid result: the assign is not progressing (no outbound worker?). */
const STALL_MS = 120_000;
const SAMPLE = 99;
const BASELINE_BATCH = 500;
const DAY_MS = 86_400_000;

/** The jobs of the call, one JSON string each (`JobsJson` is the JSON array of these strings). */
function jobsJson(count: number): { text: string; phones: string[] } {
  const random = prng(20261130);
  const phones: string[] = [];
  const jobs = Array.from({ length: count }, (_, n) => {
    const phone = phoneNumber(random);
    phones.push(phone);
    const referenceId = `R${String(n).padStart(8, '0')}`;
    return JSON.stringify({ contacts: [{ phoneNumber: phone, referenceId }], referenceId });
  });
  return { text: JSON.stringify(jobs), phones };
}

const numberAt = (body: unknown, path: readonly string[]): number | undefined => {
  let value: unknown = body;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  return typeof value === 'number' ? value : undefined;
};

/** The floor: the same number of Scheduling jobs written straight into the read model by its production writer. */
async function baselineWrite(bench: BenchStack, count: number): Promise<number> {
  const tenant = await createTenantWithKey(bench.db, 'Outbound AssignJobsAsync: baseline');
  const random = prng(99);
  const ctx: JobContext = {
    tenantId: tenant.tenantId,
    instanceId: uuidLike(random, 1),
    jobGroupId: uuidLike(random, 2),
    scenarioId: '',
    strategyId: uuidLike(random, 3),
    chatbotId: '',
    callingNumbers: ['02160001234'],
    now: Date.now(),
  };
  const t0 = performance.now();
  for (let from = 0; from < count; from += BASELINE_BATCH) {
    const to = Math.min(from + BASELINE_BATCH, count);
    await bench.db.outboundJobs.insertMany(
      Array.from({ length: to - from }, (_, i) => ({
        tenantId: tenant.tenantId,
        view: scheduledJobView(ctx, from + i, random),
        version: 1,
        createdAt: ctx.now,
        position: from + i,
      })),
    );
  }
  const ms = performance.now() - t0;
  const progress = await bench.db.outboundJobs.progress(tenant.tenantId, ctx.jobGroupId);
  if (progress.total !== count) throw new Error(`baseline wrote ${progress.total} jobs, expected ${count}`);
  return ms;
}

async function run({ bench }: BenchContext, options: OutboundOptions): Promise<BenchResult> {
  const count = options.assignJobs;
  const tenant = await createTenantWithKey(bench.db, 'Outbound AssignJobsAsync');
  const api = new OutboundRpc({ baseUrl: bench.baseUrl, apiKey: tenant.apiKey, sockets: 2, timeoutMs: 300_000 });
  try {
    const instance = await api.ok('CreateInstance', {
      InstanceName: 'assign-async-bench',
      InstanceDescription: 'outbound benchmark',
      MaxConcurrentConversation: '10',
      ...repeatParams('CallingNumber', ['02160001234']),
    });
    const instanceId = stringAt(instance.body, ['Instance', 'InstanceId'], 'CreateInstance');
    const strategy = { repeatBy: 'once', startTime: Date.now() + DAY_MS, endTime: Date.now() + 8 * DAY_MS };
    const group = await api.ok('CreateJobGroup', {
      InstanceId: instanceId,
      JobGroupName: 'assign-async-bench',
      StrategyJson: JSON.stringify(strategy),
    });
    const jobGroupId = stringAt(group.body, ['JobGroup', 'JobGroupId'], 'CreateJobGroup');
    const { text, phones } = jobsJson(count);
    const form = { InstanceId: instanceId, JobGroupId: jobGroupId, JobsJson: text };
    const bodyBytes = Buffer.byteLength(new URLSearchParams(form).toString());
    log(`outbound-assign-async: AssignJobsAsync of ${count} jobs, form body ${(bodyBytes / 1024).toFixed(0)} KiB`);

    const countMs: number[] = [];
    const byGroup = async (status?: string): Promise<number> => {
      const page = await api.ok('ListJobsByGroup', {
        InstanceId: instanceId,
        JobGroupId: jobGroupId,
        PageNumber: '1',
        PageSize: '1',
        ...(status === undefined ? {} : { JobStatus: status }),
      });
      const total = numberAt(page.body, ['Jobs', 'TotalCount']);
      if (total === undefined) throw new Error(`ListJobsByGroup: no Jobs.TotalCount`);
      countMs.push(page.ms);
      return total;
    };

    const cpu = serverCpu(bench);
    const t0 = performance.now();
    const assigned = await api.ok('AssignJobsAsync', {}, form);
    const answeredMs = performance.now() - t0;
    const asyncTaskId = stringAt(assigned.body, ['AsyncTaskId'], 'AssignJobsAsync');
    log(`outbound-assign-async: answered in ${answeredMs.toFixed(0)} ms, AsyncTaskId ${asyncTaskId}`);

    let validMs: number | undefined;
    let jobsId: string[] = [];
    let polls = 0;
    let listed = 0;
    let lastProgress = performance.now();
    let lastCount = performance.now();
    const deadline = t0 + options.assignTimeoutS * 1000;
    // Poll the async result until Valid; meanwhile (less often) count the group's jobs, for progress and stalls.
    while (validMs === undefined) {
      const result = await api.ok('GetAssignJobsAsyncResult', { AsyncTaskId: asyncTaskId });
      polls += 1;
      if (result.body.Timeout === true) throw new Error('GetAssignJobsAsyncResult answered Timeout: true');
      // A call that stopped early records why in Message (and stays not Valid): no need to wait for the stall.
      const message = result.body.Message;
      if (result.body.Valid !== true && typeof message === 'string' && message !== '') {
        throw new Error(`AssignJobsAsync stopped: ${message}`);
      }
      if (result.body.Valid === true) {
        validMs = performance.now() - t0;
        const ids = result.body.JobsId;
        jobsId = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
        break;
      }
      const now = performance.now();
      if (now - lastCount >= PROGRESS_POLL_MS) {
        lastCount = now;
        const total = await byGroup();
        if (total > listed) lastProgress = now;
        listed = total;
        log(`outbound-assign-async: ${seconds(now - t0)}: not Valid yet, ${listed} jobs listed in the group`);
      }
      if (now - lastProgress > STALL_MS) {
        throw new Error(
          `no progress for ${STALL_MS / 1000} s (${listed} of ${count} jobs listed, not Valid): ` +
            'is the outbound task queue polled by a worker?',
        );
      }
      if (now > deadline) throw new Error(`not Valid within ${options.assignTimeoutS} s (${listed} jobs listed)`);
      await sleep(RESULT_POLL_MS);
    }
    log(`outbound-assign-async: Valid after ${seconds(validMs)} (${polls} polls), ${jobsId.length} JobsId`);
    if (jobsId.length !== count || new Set(jobsId).size !== count) {
      throw new Error(
        `GetAssignJobsAsyncResult: ${jobsId.length} JobsId (${new Set(jobsId).size} distinct), expected ${count}`,
      );
    }

    // All Scheduling by the time the count that shows it was sent (its own scan is not the assign's time).
    let countSent = performance.now();
    let scheduling = await byGroup('Scheduling');
    while (scheduling < count) {
      if (performance.now() > deadline) {
        throw new Error(`${scheduling} of ${count} jobs Scheduling after ${options.assignTimeoutS} s`);
      }
      await sleep(COUNT_POLL_MS);
      countSent = performance.now();
      scheduling = await byGroup('Scheduling');
    }
    const allSchedulingMs = Math.max(validMs, countSent - t0);
    const cpuSeconds = cpu.stop();
    log(`outbound-assign-async: all ${count} Scheduling after ${seconds(allSchedulingMs)}`);

    // Checks: no job in another status, and a sample read back whole, with no attempt made.
    const total = await byGroup();
    if (total !== count) throw new Error(`ListJobsByGroup TotalCount ${total}, expected ${count}`);
    const random = prng(5);
    const sample = Array.from(
      new Set(Array.from({ length: SAMPLE * 2 }, () => jobsId[Math.floor(random() * jobsId.length)] ?? '')),
    ).slice(0, SAMPLE);
    const listedJobs = await api.ok('ListJobs', { InstanceId: instanceId, ...repeatParams('JobId', sample) });
    const jobs = Array.isArray(listedJobs.body.Jobs) ? listedJobs.body.Jobs : [];
    if (jobs.length !== sample.length) throw new Error(`ListJobs of the sample: ${jobs.length} of ${sample.length}`);
    const knownPhones = new Set(phones);
    for (const job of jobs) {
      if (!isRecord(job) || job.Status !== 'Scheduling') throw new Error(`sampled job not Scheduling`);
      if (!Array.isArray(job.Tasks) || job.Tasks.length > 0)
        throw new Error(`sampled job ${String(job.JobId)} dialled`);
      const contact: unknown = Array.isArray(job.Contacts) ? job.Contacts[0] : undefined;
      if (!isRecord(contact) || typeof contact.PhoneNumber !== 'string' || !knownPhones.has(contact.PhoneNumber)) {
        throw new Error(`sampled job ${String(job.JobId)} has no contact of the call`);
      }
    }

    const split = await assignSplit(bench.client, tenant.tenantId, asyncTaskId);
    log(`outbound-assign-async: workflow ${seconds(split.workflowMs)}, activities ${JSON.stringify(split.activities)}`);
    // The job workflows' first tasks may still be queued: let them finish (and say how long) before the baseline.
    const settle0 = performance.now();
    const temporal = bench.serverPids.temporal;
    const idle = temporal === undefined ? false : await waitForIdle(temporal, SETTLE_LIMIT_MS);
    const settledAfterMs = performance.now() - settle0;
    log(`outbound-assign-async: Temporal ${idle ? 'idle' : 'still busy'} ${seconds(settledAfterMs)} after the checks`);

    log(`outbound-assign-async: baseline: ${count} Scheduling jobs written straight into the read model`);
    const baselineMs = await baselineWrite(bench, count);
    log(`outbound-assign-async: baseline ${seconds(baselineMs)}`);
    return {
      name: `AssignJobsAsync of ${count} jobs until all Scheduling`,
      status: 'ok',
      unit: 'ms',
      measured: round(allSchedulingMs, 0),
      measuredLabel:
        `AssignJobsAsync sent → all ${count} listed Scheduling (answered in ${Math.round(answeredMs)} ms, ` +
        `Valid after ${seconds(validMs)})`,
      baseline: round(baselineMs, 0),
      baselineLabel: `${count} Scheduling job views written by db.outboundJobs.insertMany, batches of ${BASELINE_BATCH}`,
      ratio: round(allSchedulingMs / baselineMs),
      target: `all ${count} Scheduling, checked`,
      met: true,
      details: {
        jobs: count,
        formBodyBytes: bodyBytes,
        answeredMs: Math.round(answeredMs),
        validMs: Math.round(validMs),
        allSchedulingMs: Math.round(allSchedulingMs),
        jobsPerSecond: round(count / (allSchedulingMs / 1000), 1),
        resultPolls: polls,
        listJobsByGroupCountMs: summarize(countMs),
        cpuSeconds,
        workflow: split,
        temporalIdleAfterChecksMs: idle ? Math.round(settledAfterMs) : `not idle within ${SETTLE_LIMIT_MS / 1000} s`,
        baselineMs: Math.round(baselineMs),
      },
    };
  } finally {
    api.close();
  }
}

export function outboundAssignAsyncBenchmark(options: OutboundOptions): Benchmark {
  return {
    id: 'outbound-assign-async',
    label: 'OutboundBot AssignJobsAsync until all Scheduling',
    unit: 'ms',
    target: `all ${options.assignJobs} Scheduling, checked`,
    run: (context) => run(context, options),
  };
}
