/**
 * The router job's state machine (spec §6.3, §6.6): every client action and every timer of a job as a pure function
 * from the job workflow's state to the next one. The workflow (workflows/routing/job.ts) only applies these and
 * publishes the result; the API never decides a transition. Each function either refuses (a `RouterFailure` with the
 * code the client sees) or returns the new state with what the router must learn: offers that ended and assignments
 * whose capacity is free again. State is never mutated in place, so a workflow update validator can run the same
 * function as its handler and throw away the result.
 */
import type { RouterWorkerSelector } from './common';
import { preconditionFailure } from './conditional';
import type { RouterJob } from './models';
import { upsertResource } from './upsert';
import { canonicalJson, formatTimestamp, timestampMillis } from './wire';
import {
  closeNow,
  done,
  type EndedOffer,
  endOffers,
  enqueue,
  fail,
  JOB_LIFETIME_MS,
  note,
  type JobState,
  type Outcome,
  type ReleasedAssignment,
  remove,
  touched,
  type Transition,
  UNASSIGNED,
  withStatus,
} from './job-state';
import type { RouterJobStatus } from './enums';
import { computeEtag } from './wire';

export * from './job-state';
export * from './job-actions';

// ---------------------------------------------------------------------------------------------------------------
// Upsert (PATCH)
// ---------------------------------------------------------------------------------------------------------------

export interface UpsertRequest {
  jobId: string;
  patch: unknown;
  ifMatch?: string;
  ifUnmodifiedSince?: string;
}

export interface UpsertResult extends Transition {
  created: boolean;
}

function newState(job: RouterJob, now: number): JobState {
  return {
    job,
    etag: computeEtag({ version: 1, job }),
    updatedAt: now,
    version: 1,
    createdAt: now,
    offers: [],
    lostOffers: [],
    declinedBy: {},
    unassignmentCount: 0,
    classificationRun: 0,
    deleted: false,
  };
}

/** The status a new job starts in; `created` and `pendingSchedule` are left at once by `advance`. */
function initialStatus(job: RouterJob): RouterJobStatus {
  if (job.matchingMode.kind === 'suspend') return 'waitingForActivation';
  if (job.matchingMode.kind === 'scheduleAndSuspend') return 'pendingSchedule';
  return job.classificationPolicyId !== undefined ? 'pendingClassification' : 'created';
}

const sameMode = (a: RouterJob['matchingMode'], b: RouterJob['matchingMode']) => canonicalJson(a) === canonicalJson(b);

/**
 * How an update steers an unassigned job: a new matching mode moves it (suspend parks it, scheduleAndSuspend
 * schedules it, queueAndMatch activates it), and new labels or a new classification policy classify it again.
 */
function steer(previous: RouterJob, next: RouterJob, now: number): RouterJob {
  const status = previous.status;
  if (!UNASSIGNED.includes(status)) return next;
  const modeChanged = !sameMode(previous.matchingMode, next.matchingMode);
  const mode = next.matchingMode;
  if (modeChanged && mode.kind === 'suspend') return withStatus(next, 'waitingForActivation');
  if (modeChanged && mode.kind === 'scheduleAndSuspend') return withStatus(next, 'pendingSchedule');
  const reclassify =
    next.classificationPolicyId !== undefined &&
    (next.classificationPolicyId !== previous.classificationPolicyId ||
      canonicalJson(next.labels) !== canonicalJson(previous.labels));
  if (modeChanged && mode.kind === 'queueAndMatch') {
    // Activation classifies a job with a policy (a given queueId is kept; priority and selectors come from it).
    if (next.classificationPolicyId !== undefined) return withStatus(next, 'pendingClassification');
    return enqueue(next, now);
  }
  if (mode.kind !== 'queueAndMatch') return next;
  if (reclassify && ['queued', 'pendingClassification', 'classificationFailed'].includes(status)) {
    return withStatus(next, 'pendingClassification');
  }
  // A queued job moved to another queue joins the new one at its end.
  if (status === 'queued' && next.queueId !== previous.queueId) return enqueue(next, now);
  return next;
}

/** PATCH: create (201) or merge-patch (200), with If-Match / If-Unmodified-Since checked on the same state. */
export function upsertJob(
  state: JobState | undefined,
  request: UpsertRequest,
  now: number,
  newId: () => string,
): Outcome<UpsertResult> {
  const precondition = preconditionFailure(state, request, `Job ${request.jobId}`);
  if (precondition) return { ok: false, error: precondition };
  if (state?.deleted) return fail('notFound', `Job ${request.jobId} was deleted.`);
  const outcome = upsertResource('jobs', state?.job, request.patch, { id: request.jobId, now, newId });
  if (!outcome.ok) return { ok: false, error: outcome.error };
  if (!state) {
    const job = withStatus(outcome.resource, initialStatus(outcome.resource));
    return done({ state: newState(job, now), ended: [], released: [], created: true });
  }
  const next = steer(state.job, outcome.resource, now);
  let updated = touched(state, next, now);
  let ended: EndedOffer[] = [];
  const leftQueue = state.job.status === 'queued' && (next.status !== 'queued' || next.queueId !== state.job.queueId);
  if (leftQueue || next.channelId !== state.job.channelId) ({ state: updated, ended } = endOffers(updated, 'revoked'));
  // A new run when classification starts, and when its inputs change while it runs (that run's result is stale).
  const inputsChanged =
    next.classificationPolicyId !== state.job.classificationPolicyId ||
    canonicalJson(next.labels) !== canonicalJson(state.job.labels);
  if (next.status === 'pendingClassification' && (state.job.status !== 'pendingClassification' || inputsChanged)) {
    updated = { ...updated, classificationRun: updated.classificationRun + 1 };
  }
  return done({ state: updated, ended, released: [], created: false });
}

// ---------------------------------------------------------------------------------------------------------------
// What the workflow does on its own: leave transitional statuses, classification results, timers
// ---------------------------------------------------------------------------------------------------------------

/**
 * `created` → `queued`; `pendingSchedule` → `scheduled` (the schedule is durable as soon as it is recorded), or
 * `scheduleFailed` when `scheduleAt` falls after the job's 90-day lifetime.
 */
export function advance(state: JobState, now: number): JobState {
  const { status, matchingMode } = state.job;
  if (status === 'created') return touched(state, enqueue(state.job, now), now);
  if (status === 'pendingSchedule') {
    // A schedule the job would not live to see cannot be kept: scheduleFailed (fix it with a PATCH, or cancel).
    const at = matchingMode.kind === 'scheduleAndSuspend' ? timestampMillis(matchingMode.scheduleAt) : undefined;
    const keepable = at !== undefined && at < state.createdAt + JOB_LIFETIME_MS;
    return touched(state, withStatus(state.job, keepable ? 'scheduled' : 'scheduleFailed'), now);
  }
  return state;
}

export type ClassificationResult =
  | { ok: true; queueId: string; priority?: number; attachedWorkerSelectors: RouterWorkerSelector[] }
  | { ok: false; reason: string };

/** The result of classification run `run`: queued in the chosen queue, or classificationFailed. */
export function classified(state: JobState, run: number, result: ClassificationResult, now: number): JobState {
  if (run !== state.classificationRun || state.job.status !== 'pendingClassification') return state;
  if (!result.ok) {
    // The job has no error field: the reason goes into its notes, where a client (and an operator) reads it.
    const failed: RouterJob = {
      ...withStatus(state.job, 'classificationFailed'),
      notes: [...state.job.notes, ...note(`Classification failed: ${result.reason}`, now)],
    };
    return touched(state, failed, now);
  }
  const job: RouterJob = {
    ...state.job,
    queueId: result.queueId,
    priority: result.priority ?? state.job.priority,
    attachedWorkerSelectors: result.attachedWorkerSelectors,
  };
  if (job.matchingMode.kind !== 'queueAndMatch') return touched(state, withStatus(job, 'waitingForActivation'), now);
  return touched(state, enqueue(job, now), now);
}

/** The next time a timer of the job is due (ms), or undefined when nothing is pending. */
export function nextDeadline(state: JobState): number | undefined {
  const times: number[] = [state.createdAt + JOB_LIFETIME_MS];
  for (const offer of state.offers) times.push(offer.expiresAt);
  for (const selector of allSelectors(state.job)) {
    const at = selector.status !== 'expired' && selector.expiresAt ? timestampMillis(selector.expiresAt) : undefined;
    if (at !== undefined) times.push(at);
  }
  const mode = state.job.matchingMode;
  if (mode.kind === 'scheduleAndSuspend' && ['scheduled', 'pendingSchedule'].includes(state.job.status)) {
    const at = timestampMillis(mode.scheduleAt);
    if (at !== undefined) times.push(at);
  }
  if (state.pendingClose) times.push(state.pendingClose.closeAt);
  return Math.min(...times);
}

const allSelectors = (job: RouterJob): RouterWorkerSelector[] => [
  ...job.requestedWorkerSelectors,
  ...job.attachedWorkerSelectors,
];

function expireSelectors(selectors: RouterWorkerSelector[], now: number): RouterWorkerSelector[] {
  return selectors.map((selector) => {
    const at = selector.expiresAt ? timestampMillis(selector.expiresAt) : undefined;
    return selector.status !== 'expired' && at !== undefined && at <= now
      ? { ...selector, status: 'expired' as const }
      : selector;
  });
}

/**
 * Everything due at `now`: offers expire, selectors expire (they stop constraining matching), the schedule fires
 * (→ waitingForActivation, `scheduledAt` set), a deferred close happens, and after 90 days the job is deleted.
 */
export function fireTimers(state: JobState, now: number): Transition {
  // The workflow asks on every wake-up: nothing due is the common case, and costs no copy or comparison.
  const due = nextDeadline(state);
  if (due === undefined || due > now) return { state, ended: [], released: [] };
  let current = state;
  const ended: EndedOffer[] = [];
  const released: ReleasedAssignment[] = [];
  const expired = current.offers.filter((offer) => offer.expiresAt <= now);
  if (expired.length > 0) {
    current = { ...current, offers: current.offers.filter((offer) => offer.expiresAt > now) };
    ended.push(...expired.map((o) => ({ offerId: o.offerId, workerId: o.workerId, outcome: 'expired' as const })));
  }
  let job: RouterJob = {
    ...current.job,
    requestedWorkerSelectors: expireSelectors(current.job.requestedWorkerSelectors, now),
    attachedWorkerSelectors: expireSelectors(current.job.attachedWorkerSelectors, now),
  };
  const mode = job.matchingMode;
  if (mode.kind === 'scheduleAndSuspend' && ['scheduled', 'pendingSchedule'].includes(job.status)) {
    const at = timestampMillis(mode.scheduleAt);
    if (at !== undefined && at <= now)
      job = { ...job, status: 'waitingForActivation', scheduledAt: formatTimestamp(now) };
  }
  current = touched(current, job, now);
  if (current.pendingClose && current.pendingClose.closeAt <= now) {
    const { assignmentId, dispositionCode, note: text } = current.pendingClose;
    const closing = closeNow({ ...current, pendingClose: undefined }, assignmentId, dispositionCode, text, now);
    current = closing.state;
    released.push(...closing.released);
  }
  if (current.createdAt + JOB_LIFETIME_MS <= now && !current.deleted) {
    const removal = remove(current);
    current = removal.state;
    ended.push(...removal.ended);
    released.push(...removal.released);
  }
  return { state: current, ended, released };
}
