import {
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { RoutingActivities } from '../../activities/routing';
import {
  acceptOffer,
  advance,
  cancelJob,
  type ClassificationResult,
  classified,
  closeJob,
  completeJob,
  declineOffer,
  deleteJob,
  type EndedOffer,
  fireTimers,
  type JobState,
  nextDeadline,
  offersIssued,
  type Outcome,
  reclassifyJob,
  type ReleasedAssignment,
  revokeOffers,
  type RouterFailure,
  type Transition,
  unassignJob,
  upsertJob,
} from '../../domain/routing/job-lifecycle';
import {
  acceptJobOfferUpdate,
  cancelJobUpdate,
  closeJobUpdate,
  completeJobUpdate,
  declineJobOfferUpdate,
  deleteJobUpdate,
  type JobChange,
  type JobSummary,
  offersIssuedSignal,
  offersRevokedSignal,
  exceptionTriggeredSignal,
  NOTIFIED_JOB_STATUSES,
  reclassifyJobUpdate,
  type RouterJobInput,
  routerJobStatusSignal,
  unassignJobUpdate,
  upsertJobUpdate,
} from '../../domain/routing/messages';
import type { WaitingJob } from '../../domain/routing/matching';
import { exceptionTriggered } from '../../domain/routing/job-exceptions';
import { timestampMillis, toWire } from '../../domain/routing/wire';
import { StatusAttribute } from '../../domain/search-attributes';
import { eventIdFactory, jobEvents, type JobEventContext, type RouterEvent } from '../../domain/routing/events';

const { publishJob } = proxyLocalActivities<RoutingActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '5s' },
});
const { classifyJob } = proxyActivities<RoutingActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

/** How long a workflow started by a rejected first PATCH waits for a valid one before it ends. */
const UNBORN_TIMEOUT_MS = 60_000;
/** Continue as new before the history gets long: a job may live 90 days and be patched often. */
const MAX_HISTORY = 4_000;
/** Temporal refuses updates beyond 2,000 per run (history.maxTotalUpdates): continue as new well before. */
const MAX_UPDATES = 500;

/** A refusal as the update's failure: its type is the error code the API answers with (and the Web UI shows). */
function refuse(error: RouterFailure): never {
  throw ApplicationFailure.create({
    message: error.message,
    type: error.code,
    nonRetryable: true,
    details: error.errors ? [{ errors: error.errors }] : [],
  });
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) refuse(outcome.error);
  return outcome.value;
}

/** Validators must not consume the workflow's random ids (they do not run on replay). */
const placeholderId = (): string => 'validation';

/**
 * One router job (workflow id `router-job/{tenant}/{jobId}`): its state machine (domain/routing/job-lifecycle.ts),
 * its timers (offer and selector expiry, `scheduleAt`, `closeAt`, the 90-day lifetime) and its read model. Every
 * client operation is an update whose validator and handler run the same pure transition, so a refused operation
 * leaves no trace and an accepted one is applied atomically (If-Match included). A handler returns once the job's
 * read model shows its change (read-your-writes). The router (`router/{tenant}`) learns every change that matters
 * to matching through `jobChanged`, in order.
 */
export async function routerJob(input: RouterJobInput): Promise<void> {
  const { tenantId, jobId, notify } = input;
  let state: JobState | undefined = input.state;
  let publishedVersion = input.state?.version ?? 0;
  let publishedSeq = input.publishedSeq ?? 0;
  let changeSeq = publishedSeq;
  let ended: EndedOffer[] = [];
  let released: ReleasedAssignment[] = [];
  let lastWaiting = '';
  let lastSummary = '';
  let lastStatus = '';
  let classifying: number | undefined;
  let classificationResult: { run: number; result: ClassificationResult } | undefined;

  const now = (): number => Date.now();

  let updates = 0;
  /** Router events of the transitions applied since the last publish (docs/routing.md "Events"). */
  let events: RouterEvent[] = [];
  const eventId = eventIdFactory(workflowInfo().runId);
  const apply = (transition: Transition, context: JobEventContext = {}): void => {
    events.push(...jobEvents(state, transition.state, { ...context, ended: transition.ended }, now(), eventId));
    state = transition.state;
    ended.push(...transition.ended);
    released.push(...transition.released);
    changeSeq += 1;
  };

  /** Waits until the read model shows the current version: the handler's answer is then what a GET returns. */
  const published = async (): Promise<void> => {
    const wanted = changeSeq;
    await condition(() => publishedSeq >= wanted);
  };

  const view = (current: JobState) => ({
    // The ETag is versioned (job-lifecycle `touched`), not toWire's content hash.
    resource: toWire(current.job, current.etag),
    etag: current.etag,
    updatedAt: current.updatedAt,
  });

  const existing = (): JobState => {
    if (!state || state.deleted) refuse({ code: 'notFound', message: `Job ${jobId} does not exist.` });
    return state;
  };

  setHandler(
    upsertJobUpdate,
    async (request) => {
      updates += 1;
      const result = unwrap(upsertJob(state, { jobId, ...request }, now(), uuid4));
      apply(result);
      await published();
      return { ...view(result.state), created: result.created };
    },
    { validator: (request) => void unwrap(upsertJob(state, { jobId, ...request }, now(), placeholderId)) },
  );

  /** An action: validated and applied by the same transition, answered once published. */
  const action = <A extends unknown[], R>(
    transition: (current: JobState, ...args: A) => Outcome<Transition & R>,
    answer: (value: Transition & R) => object,
  ) => ({
    handler: async (...args: A): Promise<object> => {
      updates += 1;
      const value = unwrap(transition(existing(), ...args));
      apply(value);
      await published();
      return answer(value);
    },
    validator: (...args: A): void => void unwrap(transition(existing(), ...args)),
  });

  const empty = (): object => ({});
  const registerAction = <A extends unknown[], R>(
    definition: Parameters<typeof setHandler>[0],
    transition: (current: JobState, ...args: A) => Outcome<Transition & R>,
    answer: (value: Transition & R) => object = empty,
  ): void => {
    const { handler, validator } = action(transition, answer);
    // The definitions are typed per operation in messages.ts; this helper erases that to share the plumbing.
    setHandler(definition as never, handler as never, { validator } as never);
  };

  registerAction(
    cancelJobUpdate,
    (current, options: { note?: string; dispositionCode?: string; unlessAssigned?: boolean }) =>
      cancelJob(current, options, now()),
  );
  registerAction(completeJobUpdate, (current, options: { assignmentId: string; note?: string }) =>
    completeJob(current, options, now()),
  );
  registerAction(
    closeJobUpdate,
    (current, options: { assignmentId: string; dispositionCode?: string; closeAt?: number; note?: string }) =>
      closeJob(current, options, now()),
  );
  registerAction(
    unassignJobUpdate,
    (current, options: { assignmentId: string; suspendMatching?: boolean }) => unassignJob(current, options, now()),
    (value) => ({ jobId, unassignmentCount: value.unassignmentCount }),
  );
  registerAction(reclassifyJobUpdate, (current) => reclassifyJob(current, now()));
  registerAction(
    declineJobOfferUpdate,
    (current, offer: { workerId: string; offerId: string; retryOfferAt?: number }) =>
      declineOffer(current, offer, now()),
  );
  registerAction(deleteJobUpdate, (current) => deleteJob(current));

  // Accept draws the assignment id from the workflow's random source, so its validator uses a placeholder.
  setHandler(
    acceptJobOfferUpdate,
    async (offer) => {
      updates += 1;
      const value = unwrap(acceptOffer(existing(), offer, now(), uuid4));
      apply(value);
      await published();
      return { assignmentId: value.assignmentId, jobId, workerId: offer.workerId };
    },
    { validator: (offer) => void unwrap(acceptOffer(existing(), offer, now(), placeholderId)) },
  );

  setHandler(offersIssuedSignal, ({ offers }) => {
    if (state) apply(offersIssued(state, offers));
    else ended.push(...offers.map((o) => ({ offerId: o.offerId, workerId: o.workerId, outcome: 'revoked' as const })));
  });
  setHandler(offersRevokedSignal, ({ offerIds }) => {
    if (state) apply(revokeOffers(state, offerIds));
  });
  setHandler(exceptionTriggeredSignal, (trigger) => {
    if (!state) return;
    const outcome = exceptionTriggered(state, trigger, now());
    if (outcome.applied) apply(outcome, { trigger: { ruleId: trigger.ruleId } });
  });

  if (!state) {
    // Started by an update-with-start whose PATCH was refused: nothing exists, so end unless a valid PATCH follows.
    if (!(await condition(() => state !== undefined, UNBORN_TIMEOUT_MS))) {
      await condition(allHandlersFinished);
      if (!state) return;
    }
  }
  upsertSearchAttributes([{ key: StatusAttribute, value: existing().job.status }]);

  for (;;) {
    const current = existing();
    const deadline = nextDeadline(current);
    const outstanding = (): boolean =>
      changeSeq > publishedSeq ||
      classificationResult !== undefined ||
      (state?.job.status === 'pendingClassification' && classifying !== state.classificationRun) ||
      ['created', 'pendingSchedule'].includes(state?.job.status ?? '');
    if (!outstanding()) {
      if (deadline === undefined) await condition(outstanding);
      else await condition(outstanding, Math.max(1, deadline - now()));
    }
    if (!state) break;
    const at = now();
    apply(fireTimers(state, at));
    const advanced = advance(state, at);
    if (advanced !== state) apply({ state: advanced, ended: [], released: [] });
    if (classificationResult) {
      const { run, result } = classificationResult;
      classificationResult = undefined;
      const next = classified(state, run, result, at);
      if (next !== state) {
        apply({ state: next, ended: [], released: [] }, result.ok ? {} : { classificationFailure: result.reason });
      }
    }
    if (state.job.status === 'pendingClassification' && classifying !== state.classificationRun) {
      startClassification(state);
    }
    if (changeSeq > publishedSeq) await publish();
    if (state.deleted) break;
    if (updates > MAX_UPDATES || workflowInfo().historyLength > MAX_HISTORY || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (changeSeq > publishedSeq) await publish();
      return continueAsNew<typeof routerJob>({ tenantId, jobId, state, publishedSeq, notify });
    }
  }
  await condition(allHandlersFinished);

  function startClassification(current: JobState): void {
    const run = current.classificationRun;
    classifying = run;
    classifyJob({ tenantId, job: current.job, run })
      .then((result) => {
        classificationResult = { run, result };
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : 'classification failed';
        classificationResult = { run, result: { ok: false, reason } };
      });
  }

  /** Writes the read model (if the job changed) and tells the router what matters to matching, in one step. */
  async function publish(): Promise<void> {
    const current = state;
    if (!current) return;
    const seq = changeSeq;
    const waiting = waitingOf(current);
    const summary = current.deleted ? null : summaryOf(current);
    const waitingKey = JSON.stringify(waiting);
    const summaryKey = JSON.stringify(summary);
    const notify = ended.length > 0 || released.length > 0 || waitingKey !== lastWaiting || summaryKey !== lastSummary;
    const change: JobChange | undefined = notify
      ? {
          jobId,
          waiting,
          declinedAt: Object.fromEntries(Object.entries(current.declinedBy).map(([w, d]) => [w, d.declinedAt])),
          ended,
          released,
          summary,
        }
      : undefined;
    const doc =
      current.version !== publishedVersion || current.deleted
        ? current.deleted
          ? null
          : { ...view(current), version: current.version }
        : undefined;
    ended = [];
    released = [];
    const batch = events;
    events = [];
    if (doc !== undefined || change || batch.length > 0)
      await publishJob({ tenantId, jobId, doc, change, events: batch });
    publishedVersion = current.version;
    lastWaiting = waitingKey;
    lastSummary = summaryKey;
    publishedSeq = seq;
    if (current.job.status !== lastStatus || current.deleted) {
      lastStatus = current.job.status;
      upsertSearchAttributes([{ key: StatusAttribute, value: current.job.status }]);
      await notifyCreator(current);
    }
  }

  /** Tells the workflow that created this job (an outbound attempt) that it was assigned or ended. */
  async function notifyCreator(current: JobState): Promise<void> {
    if (!notify) return;
    const status = current.deleted ? 'deleted' : current.job.status;
    if (status !== 'deleted' && !NOTIFIED_JOB_STATUSES.includes(status)) return;
    const latest = Object.values(current.job.assignments).sort((a, b) =>
      a.assignedAt < b.assignedAt ? 1 : a.assignedAt > b.assignedAt ? -1 : 0,
    )[0];
    const assignedAt = latest ? timestampMillis(latest.assignedAt) : undefined;
    try {
      await getExternalWorkflowHandle(notify.workflowId).signal(routerJobStatusSignal, {
        jobId,
        status,
        ...(current.job.dispositionCode === undefined ? {} : { dispositionCode: current.job.dispositionCode }),
        ...(latest?.workerId === undefined ? {} : { workerId: latest.workerId }),
        ...(assignedAt === undefined ? {} : { assignedAt }),
      });
    } catch {
      // The creator has ended: nobody is waiting for this job any more.
    }
  }
}

/** The job's entry in its queue for the router, while it waits for a worker. */
function waitingOf(state: JobState): WaitingJob | null {
  const { job } = state;
  if (job.status !== 'queued' || job.queueId === undefined || state.deleted) return null;
  const declinedBy: Record<string, number | null> = {};
  for (const [workerId, decline] of Object.entries(state.declinedBy))
    declinedBy[workerId] = decline.retryOfferAt ?? null;
  return {
    jobId: job.id,
    queueId: job.queueId,
    channelId: job.channelId,
    priority: job.priority,
    enqueuedAt: (job.enqueuedAt === undefined ? undefined : timestampMillis(job.enqueuedAt)) ?? state.updatedAt,
    labels: job.labels,
    selectors: [...job.requestedWorkerSelectors, ...job.attachedWorkerSelectors],
    declinedBy,
  };
}

function summaryOf(state: JobState): JobSummary {
  const { job } = state;
  const scheduleAt =
    job.matchingMode.kind === 'scheduleAndSuspend' ? timestampMillis(job.matchingMode.scheduleAt) : undefined;
  return {
    status: job.status,
    channelId: job.channelId,
    ...(job.queueId === undefined ? {} : { queueId: job.queueId }),
    ...(job.classificationPolicyId === undefined ? {} : { classificationPolicyId: job.classificationPolicyId }),
    ...(scheduleAt === undefined ? {} : { scheduledAt: scheduleAt }),
  };
}
