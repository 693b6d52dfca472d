import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { RoutingActivities } from '../../activities/routing';
import { routerJobWorkflowId, routerOfferId } from '../../domain/ids';
import type { JobOffer, RouterFailure } from '../../domain/routing/job-lifecycle';
import {
  type MatchWorker,
  type QueueDistribution,
  type WaitingJob,
  activeSelectors,
  isEligible,
  orderJobs,
  planOffers,
} from '../../domain/routing/matching';
import {
  configChangedSignal,
  exceptionTriggeredSignal,
  type QueueConfig,
  type QueueingExceptions,
  deleteWorkerUpdate,
  type JobChange,
  jobChangedSignal,
  offersIssuedSignal,
  offersRevokedSignal,
  queuePositionQuery,
  queueStatisticsQuery,
  type RouterWorkerRecord,
  type TenantRouterInput,
  upsertWorkerUpdate,
} from '../../domain/routing/messages';
import { isCalloutRule } from '../../domain/routing/classification';
import { fireDueExceptions, nextExceptionDue } from '../../domain/routing/queue-exceptions';
import { scoreWorker } from '../../domain/routing/scoring';
import type { SummaryChange } from '../../domain/routing/summaries';
import { upsertWorkerRecord, withHoldings, workerSummary, workerView } from '../../domain/routing/worker-record';
import { eventIdFactory, type RouterEvent, workerEvents } from '../../domain/routing/events';

// The projection is a regular activity: while it writes, the router's workflow task is free to take the next events
// (a local activity would hold the task open), and the changes meanwhile go into the next projection.
const { projectRouter } = proxyActivities<RoutingActivities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});
// Scoring callouts may take seconds (retries included): a regular activity, so the router's task is not held open.
const { scoreWorkers } = proxyActivities<RoutingActivities>({
  startToCloseTimeout: '60s',
  retry: { maximumAttempts: 2 },
});
const { loadQueueConfigs } = proxyLocalActivities<RoutingActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '5s' },
});

const MAX_HISTORY = 8_000;
/** Temporal refuses updates beyond 2,000 per run (history.maxTotalUpdates): continue as new well before. */
const MAX_UPDATES = 1_000;
const MINUTE = 60_000;

function refuse(error: RouterFailure): never {
  throw ApplicationFailure.create({ message: error.message, type: error.code, nonRetryable: true });
}

/**
 * The tenant's router (workflow id `router/{tenant}`): the one place where worker capacity is reserved, so matching
 * is serialised per tenant by Temporal itself (a workflow handles one event at a time) — no database lock, which
 * the embedded store could not give anyway. It holds the workers (their registration, offers and assignments) and
 * the jobs waiting in queues; every change runs a matching pass (domain/routing/matching.ts) and the offers it plans
 * go to their jobs (`offersIssued`). Jobs own their offers' outcomes (accept, decline, expiry) and report them back
 * with `jobChanged`, so capacity is released exactly once. Worker documents and the job and worker list indexes are
 * written here, by one writer, after each batch of events.
 */
export async function tenantRouter(input: TenantRouterInput): Promise<void> {
  const { tenantId } = input;
  const workers: Record<string, RouterWorkerRecord> = input.state?.workers ?? {};
  const waiting: Record<string, WaitingJob> = input.state?.waiting ?? {};
  const declinedAt: Record<string, Record<string, number>> = input.state?.declinedAt ?? {};
  let roundRobinCursors: Record<string, string> = input.state?.roundRobinCursors ?? {};
  const waitStats: Record<string, { meanWaitMs: number; samples: number }> = input.state?.waitStats ?? {};

  const exceptions: Record<string, QueueingExceptions> = input.state?.exceptions ?? {};

  /** Each queue's configuration, loaded when a waiting job needs it, dropped when queues or policies change. */
  let queueConfigs: Record<string, QueueConfig | null> = {};
  const dirtyWorkers = new Set<string>();
  let jobIndex: SummaryChange[] = [];
  let workerIndex: SummaryChange[] = [];
  let needsMatch = true;
  let changeSeq = 0;
  let publishedSeq = 0;

  const now = (): number => Date.now();
  const touchWorker = (workerId: string): void => {
    dirtyWorkers.add(workerId);
    changeSeq += 1;
  };
  const published = async (): Promise<void> => {
    const wanted = changeSeq;
    await condition(() => publishedSeq >= wanted);
  };

  /** Asks each job to withdraw offers (deregistration): capacity stays held until the job confirms. */
  const revokeOffersOf = (record: RouterWorkerRecord): void => {
    const byJob = new Map<string, string[]>();
    for (const offer of record.offers) byJob.set(offer.jobId, [...(byJob.get(offer.jobId) ?? []), offer.offerId]);
    for (const [jobId, offerIds] of byJob) {
      void getExternalWorkflowHandle(routerJobWorkflowId(tenantId, jobId))
        .signal(offersRevokedSignal, { offerIds })
        // The job is gone: nobody else will release these offers.
        .catch(() => releaseOffers(offerIds));
    }
  };

  const releaseOffers = (offerIds: readonly string[]): void => {
    for (const record of Object.values(workers)) {
      const kept = record.offers.filter((offer) => !offerIds.includes(offer.offerId));
      if (kept.length !== record.offers.length) {
        updateHoldings(record, kept, record.assignments);
      }
    }
    needsMatch = true;
  };

  /** The summary last put in the worker list index, so an offer that changes nothing listed costs no index write. */
  const listedSummaries = new Map<string, string>();
  const listWorker = (workerId: string, summary: Record<string, unknown> | null): void => {
    const key = JSON.stringify(summary);
    if (listedSummaries.get(workerId) === key) return;
    listedSummaries.set(workerId, key);
    workerIndex.push({ id: workerId, summary });
  };

  const updateHoldings = (
    record: RouterWorkerRecord,
    offers: RouterWorkerRecord['offers'],
    assignments: RouterWorkerRecord['assignments'],
  ): void => {
    const workerId = record.resource.id;
    const next = withHoldings(record, offers, assignments, now());
    workers[workerId] = next;
    touchWorker(workerId);
    listWorker(workerId, workerSummary(next));
  };

  /** Worker events since the last projection, handed on by it (docs/routing.md "Events"). */
  let events: RouterEvent[] = [];
  const eventId = eventIdFactory(workflowInfo().runId);

  let updates = 0;
  setHandler(
    upsertWorkerUpdate,
    async (request) => {
      updates += 1;
      const at = now();
      const previous = workers[request.workerId];
      const outcome = upsertWorkerRecord(previous, request, at);
      if (!outcome.ok) refuse(outcome.error);
      const { record, created, deregistered } = outcome.value;
      if (record !== previous) {
        workers[request.workerId] = record;
        touchWorker(request.workerId);
        listWorker(request.workerId, workerSummary(record));
        needsMatch = true;
        if (deregistered) revokeOffersOf(record);
        events.push(...workerEvents(previous, record, at, eventId));
      }
      await published();
      return { ...workerView(record), created };
    },
    {
      validator: (request) => {
        const outcome = upsertWorkerRecord(workers[request.workerId], request, now());
        if (!outcome.ok) refuse(outcome.error);
      },
    },
  );

  const deletable = (workerId: string): RouterWorkerRecord => {
    const record = workers[workerId];
    if (!record) refuse({ code: 'notFound', message: `Worker ${workerId} does not exist.` });
    if (record.offers.length + record.assignments.length > 0) {
      refuse({
        code: 'conflict',
        message: `Worker ${workerId} holds ${record.offers.length} offer(s) and ${record.assignments.length} job(s); deregister it (availableForOffers: false) and let them finish first.`,
      });
    }
    return record;
  };
  setHandler(
    deleteWorkerUpdate,
    async ({ workerId }) => {
      updates += 1;
      events.push(...workerEvents(deletable(workerId), undefined, now(), eventId));
      delete workers[workerId];
      touchWorker(workerId);
      listWorker(workerId, null);
      await published();
      return {};
    },
    { validator: ({ workerId }) => void deletable(workerId) },
  );

  setHandler(jobChangedSignal, (change) => applyJobChange(change));
  setHandler(configChangedSignal, () => {
    queueConfigs = {};
    needsMatch = true;
  });

  setHandler(queuePositionQuery, ({ jobId }) => {
    const entry = waiting[jobId];
    if (!entry) return null;
    const queue = orderJobs(
      Object.values(waiting).filter((job) => job.queueId === entry.queueId),
      now(),
    );
    return {
      jobId,
      position: queue.findIndex((job) => job.jobId === jobId) + 1,
      queueId: entry.queueId,
      queueLength: queue.length,
      estimatedWaitTimeMinutes: (waitStats[entry.queueId]?.meanWaitMs ?? 0) / MINUTE,
    };
  });
  setHandler(queueStatisticsQuery, ({ queueId }) => {
    const queued = Object.values(waiting).filter((job) => job.queueId === queueId);
    const at = now();
    const estimate = (waitStats[queueId]?.meanWaitMs ?? 0) / MINUTE;
    const estimatedWaitTimeMinutes: Record<string, number> = {};
    for (const job of queued) estimatedWaitTimeMinutes[String(job.priority)] = estimate;
    const oldest = Math.min(...queued.map((job) => job.enqueuedAt));
    return {
      queueId,
      length: queued.length,
      estimatedWaitTimeMinutes,
      ...(queued.length > 0 ? { longestJobWaitTimeMinutes: Math.max(0, at - oldest) / MINUTE } : {}),
    };
  });

  function applyJobChange(change: JobChange): void {
    const previous = waiting[change.jobId];
    for (const ended of change.ended) {
      const record = workers[ended.workerId];
      if (!record) continue;
      const offer = record.offers.find((held) => held.offerId === ended.offerId);
      if (!offer) {
        // An accept replayed after a failed workflow task: the job's assignment id is the one of this message.
        const stale = record.assignments.find(
          (held) => held.jobId === change.jobId && held.assignmentId !== ended.assignmentId,
        );
        if (ended.outcome === 'accepted' && ended.assignmentId !== undefined && stale) {
          const renamed = { ...stale, assignmentId: ended.assignmentId };
          updateHoldings(
            record,
            record.offers,
            record.assignments.map((held) => (held === stale ? renamed : held)),
          );
        }
        continue;
      }
      const offers = record.offers.filter((held) => held !== offer);
      const assignments =
        ended.outcome === 'accepted' && ended.assignmentId !== undefined
          ? [
              // One assignment per job and worker: an accept replayed after a failed workflow task carries a new id.
              ...record.assignments.filter((held) => held.jobId !== offer.jobId),
              {
                assignmentId: ended.assignmentId,
                jobId: offer.jobId,
                channelId: offer.channelId,
                capacityCost: offer.capacityCost,
                assignedAt: ended.assignedAt ?? now(),
              },
            ]
          : record.assignments;
      if (ended.outcome === 'accepted' && previous)
        recordWait(previous.queueId, (ended.assignedAt ?? now()) - previous.enqueuedAt);
      updateHoldings(record, offers, assignments);
    }
    for (const release of change.released) {
      const record = workers[release.workerId];
      if (!record) continue;
      const assignments = record.assignments.filter((held) => held.assignmentId !== release.assignmentId);
      if (assignments.length !== record.assignments.length) updateHoldings(record, record.offers, assignments);
    }
    if (change.waiting) {
      waiting[change.jobId] = change.waiting;
      declinedAt[change.jobId] = change.declinedAt;
    } else {
      delete waiting[change.jobId];
      delete declinedAt[change.jobId];
      delete exceptions[change.jobId];
    }
    jobIndex.push({ id: change.jobId, summary: change.summary === null ? null : { ...change.summary } });
    changeSeq += 1;
    needsMatch = true;
  }

  function recordWait(queueId: string, waitMs: number): void {
    const stats = waitStats[queueId] ?? { meanWaitMs: 0, samples: 0 };
    // A moving mean over about the last 50 assignments: recent enough to follow load, stable enough to quote.
    const samples = Math.min(stats.samples + 1, 50);
    waitStats[queueId] = { meanWaitMs: stats.meanWaitMs + (Math.max(0, waitMs) - stats.meanWaitMs) / samples, samples };
  }

  /** Jobs whose declines lapse in the future: the router wakes then to offer them again. */
  const nextRetry = (): number | undefined => {
    const at = now();
    let next: number | undefined;
    for (const job of Object.values(waiting)) {
      for (const retry of Object.values(job.declinedBy)) {
        if (retry !== null && retry > at && (next === undefined || retry < next)) next = retry;
      }
    }
    return next;
  };

  /**
   * One matching pass: plans offers, reserves their capacity and delivers them to their jobs. It resolves once every
   * job has its offers, so a worker's read model (written after) never shows an offer its job cannot accept yet.
   */
  /**
   * Scores from `function` / `webhook` scoring rules, asked for before the pass: for each waiting job of such a queue
   * that has room for an offer, its eligible workers' scores by one activity per job.
   */
  async function callScoringRules(
    candidates: MatchWorker[],
    jobs: WaitingJob[],
    known: Record<string, QueueDistribution>,
    at: number,
  ): Promise<Map<string, Record<string, number | null>>> {
    const scores = new Map<string, Record<string, number | null>>();
    await Promise.all(
      jobs.map(async (job) => {
        const mode = known[job.queueId]?.mode;
        if (mode?.kind !== 'bestWorker' || !mode.scoringRule || !isCalloutRule(mode.scoringRule)) return;
        const outstanding = candidates.reduce((n, w) => n + w.offers.filter((o) => o.jobId === job.jobId).length, 0);
        if (outstanding >= mode.maxConcurrentOffers) return;
        const eligible = candidates.filter((worker) => isEligible(worker, job, mode, at));
        if (eligible.length === 0) return;
        scores.set(
          job.jobId,
          await scoreWorkers({
            rule: mode.scoringRule,
            ...(mode.scoringRuleOptions ? { options: mode.scoringRuleOptions } : {}),
            job: { labels: job.labels, selectors: activeSelectors(job.selectors) },
            workers: eligible.map((worker) => ({ id: worker.id, labels: worker.labels })),
          }),
        );
      }),
    );
    return scores;
  }

  async function match(): Promise<void> {
    const at = now();
    const matchWorkers: MatchWorker[] = Object.values(workers).map((record) => ({
      id: record.resource.id,
      availableForOffers: record.resource.availableForOffers,
      capacity: record.resource.capacity,
      queues: record.resource.queues,
      channels: record.resource.channels,
      labels: record.resource.labels,
      offers: record.offers,
      assignments: record.assignments,
      availableSince: record.availableSince,
    }));
    const jobs = Object.values(waiting).map((job) => ({
      ...job,
      // A decline without retryOfferAt lasts until the worker registers again.
      declinedBy: Object.fromEntries(
        Object.entries(job.declinedBy).filter(([workerId]) => {
          const registeredAt = workers[workerId]?.registeredAt ?? 0;
          return (declinedAt[job.jobId]?.[workerId] ?? 0) >= registeredAt;
        }),
      ),
    }));
    const known: Record<string, QueueDistribution> = {};
    for (const [queueId, config] of Object.entries(queueConfigs)) if (config) known[queueId] = config.distribution;
    const calledScores = await callScoringRules(matchWorkers, jobs, known, at);
    const plan = planOffers({
      workers: matchWorkers,
      jobs,
      distributions: known,
      roundRobinCursors,
      now: at,
      score: (job, worker) => scoreWorker(known[job.queueId]?.mode, job, worker, calledScores),
    });
    roundRobinCursors = plan.roundRobinCursors;
    const issued = new Map<string, JobOffer[]>();
    for (const planned of plan.offers) {
      const record = workers[planned.workerId];
      const entry = waiting[planned.jobId];
      const distribution = entry ? known[entry.queueId] : undefined;
      if (!record || !entry || !distribution) continue;
      const offer = {
        offerId: routerOfferId(planned.jobId, uuid4()),
        jobId: planned.jobId,
        channelId: planned.channelId,
        capacityCost: planned.capacityCost,
        offeredAt: at,
        expiresAt: at + Math.round(distribution.offerExpiresAfterSeconds * 1000),
      };
      updateHoldings(record, [...record.offers, offer], record.assignments);
      const { jobId: _jobId, ...jobOffer } = offer;
      issued.set(planned.jobId, [...(issued.get(planned.jobId) ?? []), { ...jobOffer, workerId: planned.workerId }]);
    }
    const deliveries = [...issued].map(([jobId, offers]) =>
      getExternalWorkflowHandle(routerJobWorkflowId(tenantId, jobId))
        .signal(offersIssuedSignal, { offers })
        .catch(() => {
          // The job is gone: it will never answer for these offers.
          delete waiting[jobId];
          releaseOffers(offers.map((offer) => offer.offerId));
        }),
    );
    await Promise.all(deliveries);
  }

  /** Signals the jobs whose exception rules fire now (domain/routing/queue-exceptions.ts). */
  function checkExceptions(): void {
    for (const { jobId, trigger } of fireDueExceptions(waiting, exceptions, queueConfigs, now())) {
      void getExternalWorkflowHandle(routerJobWorkflowId(tenantId, jobId))
        .signal(exceptionTriggeredSignal, trigger)
        // The job is gone: its jobChanged (or its absence) settles the rest.
        .catch(() => undefined);
    }
  }

  let projecting = false;
  const unpublished = (): boolean => changeSeq > publishedSeq || jobIndex.length > 0 || workerIndex.length > 0;

  /**
   * Writes what changed since the last projection (worker documents, list entries), one projection at a time; the
   * update handlers waiting for read-your-writes resume when theirs is written.
   */
  function startProjection(): void {
    if (projecting || !unpublished()) return;
    projecting = true;
    const seq = changeSeq;
    const ids = [...dirtyWorkers];
    dirtyWorkers.clear();
    const jobs = jobIndex;
    const workerEntries = workerIndex;
    jobIndex = [];
    workerIndex = [];
    const batch = events;
    events = [];
    projectRouter({
      tenantId,
      workers: ids.map((id) => {
        const record = workers[id];
        return { id, doc: record ? { ...workerView(record), version: record.version } : null };
      }),
      jobIndex: jobs,
      workerIndex: workerEntries,
      events: batch,
    }).then(
      () => {
        publishedSeq = seq;
        projecting = false;
      },
      () => {
        // Retries are unlimited, so this is a cancellation: put the batch back for the next projection.
        for (const id of ids) dirtyWorkers.add(id);
        jobIndex = [...jobs, ...jobIndex];
        workerIndex = [...workerEntries, ...workerIndex];
        events = [...batch, ...events];
        projecting = false;
      },
    );
  }

  for (;;) {
    const pending = (): boolean => needsMatch || (!projecting && unpublished());
    if (!pending()) {
      const wake = [nextRetry(), nextExceptionDue(exceptions)].filter((at): at is number => at !== undefined);
      if (wake.length === 0) await condition(pending);
      else if (!(await condition(pending, Math.max(1, Math.min(...wake) - now())))) needsMatch = true;
    }
    const missing = [...new Set(Object.values(waiting).map((job) => job.queueId))].filter(
      (queueId) => !(queueId in queueConfigs),
    );
    if (missing.length > 0)
      queueConfigs = { ...queueConfigs, ...(await loadQueueConfigs({ tenantId, queueIds: missing })) };
    checkExceptions();
    if (needsMatch) {
      needsMatch = false;
      await match();
    }
    startProjection();
    if (updates > MAX_UPDATES || workflowInfo().historyLength > MAX_HISTORY || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      while (projecting || unpublished()) {
        startProjection();
        await condition(() => !projecting);
      }
      return continueAsNew<typeof tenantRouter>({
        tenantId,
        state: { workers, waiting, declinedAt, roundRobinCursors, waitStats, exceptions },
      });
    }
  }
}
