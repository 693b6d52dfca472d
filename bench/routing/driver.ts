/**
 * The clients of the routing benchmarks, run in a child process (bench/routing/driver-child.ts) so that their
 * polling and parsing do not share an event loop with the API and the workers they measure (bench/stack.ts serves
 * both from the bench process). Three shapes:
 *
 * - `offer`: one job at a time on one worker of capacity 1: PATCH the job and, from the moment it is sent, poll the
 *   worker every `pollMs` until the job's offer shows; then accept, complete and close it and wait until the worker
 *   holds nothing again (so the next job finds the capacity free). Also the bare Temporal floor of the PATCH: an
 *   update-with-start of an empty workflow.
 * - `lifecycle`: simulated agents (one per worker, capacity 1) loop — poll their worker until an offer shows,
 *   accept, complete, close — while producers keep `inFlight` jobs open (created, not yet closed). After `warmupMs`,
 *   `durationMs` are measured: lifecycles closed, every HTTP request (polls included), errors.
 * - `bare`: the baseline of `lifecycle`: `count` bare lifecycles (update-with-start + 3 updates of an empty workflow,
 *   bench/routing/baseline-workflow.ts) by `concurrency` loops, straight to Temporal.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { runJsonChild } from '../child-process';
import { BARE_STEPS, bareStepUpdate } from './baseline-workflow';
import { holdingsOf, offersOf, RouterHttp, RouterHttpError, sleep, stringField } from './http';

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
}

export interface OfferSpec {
  mode: 'offer';
  baseUrl: string;
  apiKey: string;
  workerId: string;
  queueId: string;
  jobPrefix: string;
  warmup: number;
  samples: number;
  pollMs: number;
  timeoutMs: number;
  temporal: TemporalTarget;
}

export interface LifecycleSpec {
  mode: 'lifecycle';
  baseUrl: string;
  apiKey: string;
  workerIds: string[];
  queueId: string;
  jobPrefix: string;
  /** Jobs created and not yet closed, at most. */
  inFlight: number;
  /** Producers creating jobs at once. */
  producers: number;
  warmupMs: number;
  durationMs: number;
  /** After the measurement: how long the agents may take to close the jobs still open. */
  drainMs: number;
  pollMs: number;
  timeoutMs: number;
}

export interface BareSpec {
  mode: 'bare';
  temporal: TemporalTarget;
  idPrefix: string;
  warmup: number;
  count: number;
  concurrency: number;
}

export type DriverSpec = OfferSpec | LifecycleSpec | BareSpec;

export interface OfferSample {
  jobId: string;
  /** Epoch ms: PATCH sent, and the offer seen (for the workflow histories' timeline). */
  sentAt: number;
  seenAt: number;
  /** PATCH sent → the offer shows in GET /routing/workers/{id}. */
  offerMs: number;
  /** PATCH sent → its response. */
  patchMs: number;
  polls: number;
  /** PATCH sent → the accept answered 200. */
  acceptedMs: number;
  /** Accepts of the visible offer refused with 404 before that one (the job did not know its offer yet). */
  earlyAccepts: number;
  /** Accept, complete, close and the wait until the worker holds nothing. */
  releaseMs: number;
}

export interface OfferResult {
  mode: 'offer';
  samples: OfferSample[];
  /** The bare update-with-start of an empty workflow, ms each. */
  bareCreateMs: number[];
  /** GET /routing/workers/{id} of the polls, ms each (answered ones). */
  pollMs: number[];
  requests: Record<string, number>;
  /** Failed requests, the early accepts' 404s included. */
  errors: number;
  earlyAccepts: number;
  cpuSeconds: number;
}

export interface LifecycleResult {
  mode: 'lifecycle';
  /** Lifecycles closed inside the measured window. */
  lifecycles: number;
  windowMs: number;
  /** Epoch ms of the window (for the workflow histories). */
  windowStartAt: number;
  windowEndAt: number;
  /** Up to 10 jobs closed inside the window, spread over it. */
  sampleJobIds: string[];
  /** Requests sent inside the window, by kind (poll, create, accept, complete, close). */
  windowRequests: Record<string, number>;
  /** Per lifecycle closed inside the window: PATCH sent → close answered, and its parts (ms). */
  latencies: {
    jobId: string;
    totalMs: number;
    offerMs: number;
    acceptMs: number;
    completeMs: number;
    closeMs: number;
  }[];
  /** Over the whole run (warm-up and drain included). */
  requests: Record<string, number>;
  /** Failed requests, the early accepts' 404s included. */
  errors: number;
  /** Accepts of a visible offer refused with 404 (retried): the job did not know its offer yet. */
  earlyAccepts: number;
  errorSamples: string[];
  created: number;
  closed: number;
  /** Jobs still open when the drain gave up. */
  leftOpen: number;
  perAgent: number[];
  cpuSeconds: number;
}

export interface BareResult {
  mode: 'bare';
  count: number;
  elapsedMs: number;
  /** Per bare lifecycle: update-with-start → last update answered. */
  latencies: number[];
  errors: number;
  errorSamples: string[];
  cpuSeconds: number;
}

export type DriverResult = OfferResult | LifecycleResult | BareResult;

const cpuOf = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1e5) / 10;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function temporalClient(target: TemporalTarget): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: target.address });
  return { client: new Client({ connection, namespace: target.namespace }), close: () => connection.close() };
}

/** One bare lifecycle: the update-with-start, then `steps - 1` updates; resolves with the time of the first step. */
async function bareLifecycle(client: Client, target: TemporalTarget, workflowId: string, steps: number) {
  const t0 = performance.now();
  await client.workflow.executeUpdateWithStart(bareStepUpdate, {
    args: [1],
    startWorkflowOperation: new WithStartWorkflowOperation('bareLifecycle', {
      workflowId,
      taskQueue: target.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
  const createMs = performance.now() - t0;
  const handle = client.workflow.getHandle(workflowId);
  for (let step = 2; step <= steps; step += 1) await handle.executeUpdate(bareStepUpdate, { args: [step] });
  return { createMs, totalMs: performance.now() - t0 };
}

/**
 * Accepts an offer seen on the worker. The job's workflow may not know the offer yet when the worker's document
 * already shows it (the router writes the document before its signal to the job is delivered): the accept is then
 * refused with 404. Such an accept is retried every 5 ms (up to `timeoutMs`); each refusal is counted (and is an
 * error of the request counts) in `early`.
 */
async function acceptOffer(
  api: RouterHttp,
  workerPath: string,
  offerId: string,
  timeoutMs: number,
  early: { count: number; sample?: string },
): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const accepted = await api.post('accept', `${workerPath}/offers/${offerId}:accept`);
      return stringField(accepted.body, 'assignmentId');
    } catch (error) {
      if (!(error instanceof RouterHttpError) || error.status !== 404 || performance.now() > deadline) throw error;
      early.count += 1;
      early.sample ??= error.message;
      await sleep(5);
    }
  }
}

// --- offer ------------------------------------------------------------------------------------------------------

async function runOffer(spec: OfferSpec): Promise<OfferResult> {
  const cpu0 = process.cpuUsage();
  const api = new RouterHttp({ baseUrl: spec.baseUrl, apiKey: spec.apiKey, sockets: 4, timeoutMs: spec.timeoutMs });
  const samples: OfferSample[] = [];
  const pollMs: number[] = [];
  const early = { count: 0 };
  const workerPath = `/workers/${spec.workerId}`;
  const waitFor = async (done: (worker: unknown) => boolean, what: string) => {
    const deadline = performance.now() + spec.timeoutMs;
    let polls = 0;
    for (;;) {
      const res = await api.get('poll', workerPath);
      polls += 1;
      pollMs.push(res.ms);
      if (done(res.body)) return { at: performance.now(), polls, worker: res.body };
      if (performance.now() > deadline) throw new Error(`${what}: not within ${spec.timeoutMs} ms`);
      await sleep(spec.pollMs);
    }
  };
  try {
    for (let n = 0; n < spec.warmup + spec.samples; n += 1) {
      const jobId = `${spec.jobPrefix}-${n}`;
      const t0 = performance.now();
      const sentAt = Date.now();
      let patchMs = 0;
      const created = api
        .patch('create', `/jobs/${jobId}`, { channelId: 'voice', queueId: spec.queueId, priority: 1 })
        .then(() => {
          patchMs = performance.now() - t0;
        });
      // Polling starts with the PATCH: the offer may show before the PATCH's own answer.
      const [offered] = await Promise.all([
        waitFor((worker) => offersOf(worker).some((offer) => offer.jobId === jobId), `the offer of ${jobId}`),
        created,
      ]);
      const offerMs = offered.at - t0;
      const seenAt = sentAt + Math.round(offerMs);
      const offer = offersOf(offered.worker).find((candidate) => candidate.jobId === jobId);
      if (!offer) throw new Error('unreachable');
      const r0 = performance.now();
      const before = early.count;
      const assignmentId = await acceptOffer(api, workerPath, offer.offerId, spec.timeoutMs, early);
      const acceptedMs = performance.now() - t0;
      await api.post('complete', `/jobs/${jobId}/assignments/${assignmentId}:complete`);
      await api.post('close', `/jobs/${jobId}/assignments/${assignmentId}:close`);
      await waitFor((worker) => holdingsOf(worker) === 0, `${spec.workerId} free again after ${jobId}`);
      const releaseMs = performance.now() - r0;
      if (n >= spec.warmup) {
        samples.push({
          jobId,
          sentAt,
          seenAt,
          offerMs,
          patchMs,
          polls: offered.polls,
          acceptedMs,
          earlyAccepts: early.count - before,
          releaseMs,
        });
      }
    }
  } finally {
    api.close();
  }

  // The floor of the PATCH in Temporal: an update-with-start of an empty workflow (then its remaining steps,
  // unmeasured, so that it ends).
  const { client, close } = await temporalClient(spec.temporal);
  const bareCreateMs: number[] = [];
  try {
    for (let n = 0; n < spec.warmup + spec.samples; n += 1) {
      const { createMs } = await bareLifecycle(client, spec.temporal, `${spec.jobPrefix}-bare-${n}`, BARE_STEPS);
      if (n >= spec.warmup) bareCreateMs.push(createMs);
    }
  } finally {
    await close();
  }
  return {
    mode: 'offer',
    samples,
    bareCreateMs,
    pollMs,
    requests: api.counts,
    errors: api.errors,
    earlyAccepts: early.count,
    cpuSeconds: cpuOf(cpu0),
  };
}

// --- lifecycle --------------------------------------------------------------------------------------------------

/** A counting semaphore: the producers take a token per job created, an agent gives it back when the job closed. */
class Tokens {
  private waiters: (() => void)[] = [];

  constructor(private available: number) {}

  async take(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  give(): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter();
    else this.available += 1;
  }

  /** Wakes every waiting producer (they see the stop flag and end). */
  releaseAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

async function runLifecycle(spec: LifecycleSpec): Promise<LifecycleResult> {
  const cpu0 = process.cpuUsage();
  const api = new RouterHttp({
    baseUrl: spec.baseUrl,
    apiKey: spec.apiKey,
    sockets: spec.workerIds.length + spec.producers + 2,
    timeoutMs: spec.timeoutMs,
  });
  const errorSamples: string[] = [];
  const noteError = (error: unknown): void => {
    const message = errorText(error);
    if (errorSamples.length < 10 && !errorSamples.includes(message)) errorSamples.push(message);
  };
  const tokens = new Tokens(spec.inFlight);
  const early: { count: number; sample?: string } = { count: 0 };
  /** Open jobs: PATCH sent at. */
  const open = new Map<string, number>();
  const handled = new Set<string>();
  const latencies: LifecycleResult['latencies'] = [];
  const perAgent = spec.workerIds.map(() => 0);
  let created = 0;
  let closed = 0;
  let producing = true;
  let draining = false;

  const t0 = performance.now();
  const windowStart = t0 + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  let startCounts: Record<string, number> | undefined;
  let endCounts: Record<string, number> | undefined;
  let windowStartAt = 0;
  let windowEndAt = 0;
  const markers = (async () => {
    await sleep(spec.warmupMs);
    startCounts = { ...api.counts };
    windowStartAt = Date.now();
    await sleep(windowEnd - performance.now());
    endCounts = { ...api.counts };
    windowEndAt = Date.now();
    producing = false;
    tokens.releaseAll();
  })();

  const finish = (jobId: string): void => {
    open.delete(jobId);
    tokens.give();
  };

  const producer = async (index: number): Promise<void> => {
    for (let n = 0; ; n += 1) {
      await tokens.take();
      if (!producing) return;
      const jobId = `${spec.jobPrefix}-${index}-${n}`;
      open.set(jobId, performance.now());
      try {
        await api.patch('create', `/jobs/${jobId}`, { channelId: 'voice', queueId: spec.queueId, priority: 1 });
        created += 1;
      } catch (error) {
        noteError(error);
        finish(jobId);
      }
    }
  };

  const agent = async (index: number): Promise<void> => {
    const workerId = spec.workerIds[index] ?? '';
    const workerPath = `/workers/${workerId}`;
    for (;;) {
      if (!producing && (open.size === 0 || draining)) return;
      let offer: { offerId: string; jobId: string } | undefined;
      try {
        const res = await api.get('poll', workerPath);
        offer = offersOf(res.body).find((candidate) => !handled.has(candidate.jobId) && open.has(candidate.jobId));
      } catch (error) {
        noteError(error);
      }
      if (!offer) {
        await sleep(spec.pollMs);
        continue;
      }
      const seenAt = performance.now();
      const createdAt = open.get(offer.jobId) ?? seenAt;
      handled.add(offer.jobId);
      try {
        const assignmentId = await acceptOffer(api, workerPath, offer.offerId, spec.timeoutMs, early);
        const acceptedAt = performance.now();
        await api.post('complete', `/jobs/${offer.jobId}/assignments/${assignmentId}:complete`);
        const completedAt = performance.now();
        await api.post('close', `/jobs/${offer.jobId}/assignments/${assignmentId}:close`);
        const closedAt = performance.now();
        closed += 1;
        perAgent[index] = (perAgent[index] ?? 0) + 1;
        if (closedAt >= windowStart && closedAt <= windowEnd) {
          latencies.push({
            jobId: offer.jobId,
            totalMs: closedAt - createdAt,
            offerMs: seenAt - createdAt,
            acceptMs: acceptedAt - seenAt,
            completeMs: completedAt - acceptedAt,
            closeMs: closedAt - completedAt,
          });
        }
      } catch (error) {
        noteError(error);
      }
      finish(offer.jobId);
    }
  };

  const producers = Array.from({ length: spec.producers }, (_, index) => producer(index));
  const agents = spec.workerIds.map((_, index) => agent(index));
  await markers;
  await Promise.all(producers);
  const drainTimer = setTimeout(() => {
    draining = true;
  }, spec.drainMs);
  await Promise.all(agents);
  clearTimeout(drainTimer);
  api.close();

  const windowRequests: Record<string, number> = {};
  for (const [kind, count] of Object.entries(endCounts ?? {})) {
    windowRequests[kind] = count - (startCounts?.[kind] ?? 0);
  }
  return {
    mode: 'lifecycle',
    lifecycles: latencies.length,
    windowMs: spec.durationMs,
    windowStartAt,
    windowEndAt,
    sampleJobIds: latencies
      .filter((_, i) => i % Math.max(1, Math.floor(latencies.length / 10)) === 0)
      .slice(0, 10)
      .map((l) => l.jobId),
    windowRequests,
    latencies,
    requests: api.counts,
    errors: api.errors,
    earlyAccepts: early.count,
    errorSamples: early.sample ? [`(retried) ${early.sample}`, ...errorSamples] : errorSamples,
    created,
    closed,
    leftOpen: open.size,
    perAgent,
    cpuSeconds: cpuOf(cpu0),
  };
}

// --- bare -------------------------------------------------------------------------------------------------------

async function runBare(spec: BareSpec): Promise<BareResult> {
  const { client, close } = await temporalClient(spec.temporal);
  const errorSamples: string[] = [];
  let errors = 0;
  const latencies: number[] = [];
  const loops = async (total: number, prefix: string, record: boolean): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(spec.concurrency, total) }, async () => {
        while (next < total) {
          const n = next;
          next += 1;
          try {
            const { totalMs } = await bareLifecycle(client, spec.temporal, `${prefix}-${n}`, BARE_STEPS);
            if (record) latencies.push(totalMs);
          } catch (error) {
            errors += 1;
            const message = errorText(error);
            if (errorSamples.length < 10 && !errorSamples.includes(message)) errorSamples.push(message);
          }
        }
      }),
    );
  };
  try {
    await loops(spec.warmup, `${spec.idPrefix}-warm`, false);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await loops(spec.count, spec.idPrefix, true);
    const elapsedMs = performance.now() - t0;
    return {
      mode: 'bare',
      count: spec.count,
      elapsedMs,
      latencies,
      errors,
      errorSamples,
      cpuSeconds: cpuOf(cpu0),
    };
  } finally {
    await close();
  }
}

export function runDriver(spec: DriverSpec): Promise<DriverResult> {
  if (spec.mode === 'offer') return runOffer(spec);
  if (spec.mode === 'lifecycle') return runLifecycle(spec);
  return runBare(spec);
}

/** Runs `spec` in a child process (bench/child-process.ts) and returns its result. */
export function runDriverInChild<S extends DriverSpec>(
  spec: S,
  limitMs: number,
): Promise<Extract<DriverResult, { mode: S['mode'] }>> {
  return runJsonChild(path.join(__dirname, 'driver-child.ts'), spec, limitMs, `routing driver (${spec.mode})`);
}
