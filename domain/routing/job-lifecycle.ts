/**
 * The router job's state machine (spec §6.3, §6.6): every client action and every timer of a job as a pure function
 * from the job workflow's state to the next one. The workflow (workflows/routing/job.ts) only applies these and
 * publishes the result; the API never decides a transition. Each function either refuses (a `RouterFailure` with the
 * code the client sees) or returns the new state with what the router must learn: offers that ended and assignments
 * whose capacity is free again. State is never mutated in place, so a workflow update validator can run the same
 * function as its handler and throw away the result.
 */
import type { ErrorCode } from '../errors';
import type { RouterWorkerSelector } from './common';
import { ACTIVE_JOB_STATUSES, type RouterJobStatus } from './enums';
import type { RouterJob, RouterJobAssignment } from './models';
import { upsertResource } from './upsert';
import { preconditionFailure } from './conditional';
import { canonicalJson, computeEtag, formatTimestamp, timestampMillis } from './wire';

export const MAX_UNASSIGNMENTS = 3;
/** A job no one deletes is removed this long after its creation (spec §6.9). */
export const JOB_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;

/** A refused action: the code (so the HTTP status) and a message that names the job and the reason. */
export interface RouterFailure {
  code: ErrorCode;
  message: string;
  errors?: { field: string; message: string }[];
}

/** An offer the job holds (the worker's copy lives in the router). */
export interface JobOffer {
  offerId: string;
  workerId: string;
  channelId: string;
  capacityCost: number;
  offeredAt: number;
  expiresAt: number;
}

export type OfferOutcome = 'accepted' | 'declined' | 'expired' | 'revoked';

export interface EndedOffer {
  offerId: string;
  workerId: string;
  outcome: OfferOutcome;
  /** `accepted`: the assignment the offer became (its capacity stays held). */
  assignmentId?: string;
  assignedAt?: number;
}

export interface ReleasedAssignment {
  assignmentId: string;
  workerId: string;
}

export interface Decline {
  declinedAt: number;
  /** Offer again from this time; absent = not until the worker registers again. */
  retryOfferAt?: number;
}

export interface JobState {
  /** The resource as the API shows it (without `etag`). */
  job: RouterJob;
  etag: string;
  /** ms; Last-Modified. */
  updatedAt: number;
  version: number;
  createdAt: number;
  offers: JobOffer[];
  /** Offers withdrawn because another worker accepted the job: accepting one of them is 409, not 404. */
  lostOffers: string[];
  declinedBy: Record<string, Decline>;
  unassignmentCount: number;
  pendingClose?: { assignmentId: string; closeAt: number; dispositionCode?: string; note?: string };
  /** Incremented whenever classification must run again; a result for an older run is ignored. */
  classificationRun: number;
  deleted: boolean;
}

export interface Transition {
  state: JobState;
  ended: EndedOffer[];
  released: ReleasedAssignment[];
}

export type Outcome<T = Transition> = { ok: true; value: T } | { ok: false; error: RouterFailure };

const fail = (code: ErrorCode, message: string): { ok: false; error: RouterFailure } => ({
  ok: false,
  error: { code, message },
});
const done = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

const TERMINAL: readonly RouterJobStatus[] = ['closed', 'cancelled'];
/** Statuses before an assignment, in which routing fields (queue, mode, labels) still steer the job. */
const UNASSIGNED: readonly RouterJobStatus[] = [
  'created',
  'pendingClassification',
  'classificationFailed',
  'queued',
  'pendingSchedule',
  'scheduled',
  'scheduleFailed',
  'waitingForActivation',
];

export const isTerminal = (status: RouterJobStatus): boolean => TERMINAL.includes(status);
export const isActiveStatus = (status: RouterJobStatus): boolean => ACTIVE_JOB_STATUSES.includes(status);

/** The version bump of a changed job: ETag over content and version, so an old ETag never comes back. */
function touched(state: JobState, job: RouterJob, now: number): JobState {
  if (canonicalJson(job) === canonicalJson(state.job)) return state;
  const version = state.version + 1;
  return { ...state, job, version, updatedAt: now, etag: computeEtag({ version, job }) };
}

const note = (message: string | undefined, now: number) =>
  message === undefined ? [] : [{ message, addedAt: formatTimestamp(now) }];

/** Every outstanding offer ends with `outcome`; `lost` marks them as lost to another worker. */
function endOffers(state: JobState, outcome: OfferOutcome, lost = false): { state: JobState; ended: EndedOffer[] } {
  const ended = state.offers.map((offer) => ({ offerId: offer.offerId, workerId: offer.workerId, outcome }));
  const lostOffers = lost ? [...state.lostOffers, ...ended.map((e) => e.offerId)] : state.lostOffers;
  return { state: { ...state, offers: [], lostOffers }, ended };
}

/** Assignments still holding worker capacity (not closed). */
function heldAssignments(job: RouterJob): ReleasedAssignment[] {
  return Object.values(job.assignments)
    .filter((a) => a.closedAt === undefined && a.workerId !== undefined)
    .map((a) => ({ assignmentId: a.assignmentId, workerId: a.workerId ?? '' }));
}

const withStatus = (job: RouterJob, status: RouterJobStatus): RouterJob => ({ ...job, status });

function enqueue(job: RouterJob, now: number): RouterJob {
  return { ...job, status: 'queued', enqueuedAt: formatTimestamp(now) };
}

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
  if (!result.ok) return touched(state, withStatus(state.job, 'classificationFailed'), now);
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

// ---------------------------------------------------------------------------------------------------------------
// Offers (spec §6.6)
// ---------------------------------------------------------------------------------------------------------------

/** The router offered the job: kept while the job is queued, otherwise ended at once (the job moved on). */
export function offersIssued(state: JobState, offers: readonly JobOffer[]): Transition {
  const fresh = offers.filter((offer) => !state.offers.some((held) => held.offerId === offer.offerId));
  if (state.job.status === 'queued' && !state.deleted) {
    return { state: { ...state, offers: [...state.offers, ...fresh] }, ended: [], released: [] };
  }
  const ended = fresh.map((o) => ({ offerId: o.offerId, workerId: o.workerId, outcome: 'revoked' as const }));
  return { state, ended, released: [] };
}

/** The router withdraws offers (their worker deregistered or was deleted). */
export function revokeOffers(state: JobState, offerIds: readonly string[]): Transition {
  const revoked = state.offers.filter((offer) => offerIds.includes(offer.offerId));
  return {
    state: { ...state, offers: state.offers.filter((offer) => !offerIds.includes(offer.offerId)) },
    ended: revoked.map((o) => ({ offerId: o.offerId, workerId: o.workerId, outcome: 'revoked' as const })),
    released: [],
  };
}

function offerNotFound(jobId: string, offerId: string, workerId: string) {
  return fail('notFound', `Offer not found. OfferId: ${offerId}, WorkerId: ${workerId}, JobId: ${jobId}.`);
}

export interface AcceptResult extends Transition {
  assignmentId: string;
}

/** Accept: the job is assigned at most once — the first accept wins, any later one is 409 (spec §2.2 op 32). */
export function acceptOffer(
  state: JobState,
  offer: { workerId: string; offerId: string },
  now: number,
  newId: () => string,
): Outcome<AcceptResult> {
  const jobId = state.job.id;
  const held = state.offers.find((o) => o.offerId === offer.offerId && o.workerId === offer.workerId);
  if (!held) {
    if (state.lostOffers.includes(offer.offerId)) {
      return fail('conflict', `Job ${jobId} was already accepted by another worker; offer ${offer.offerId} is void.`);
    }
    return offerNotFound(jobId, offer.offerId, offer.workerId);
  }
  if (held.expiresAt <= now) return offerNotFound(jobId, offer.offerId, offer.workerId);
  const assignmentId = newId();
  const job: RouterJob = {
    ...state.job,
    status: 'assigned',
    assignments: {
      ...state.job.assignments,
      [assignmentId]: { assignmentId, workerId: held.workerId, assignedAt: formatTimestamp(now) },
    },
  };
  const others = endOffers({ ...state, offers: state.offers.filter((o) => o !== held) }, 'revoked', true);
  const accepted: EndedOffer = {
    offerId: held.offerId,
    workerId: held.workerId,
    outcome: 'accepted',
    assignmentId,
    assignedAt: now,
  };
  return done({
    state: touched(others.state, job, now),
    ended: [accepted, ...others.ended],
    released: [],
    assignmentId,
  });
}

/** Decline: the worker is skipped for this job until `retryOfferAt`, or until it registers again (spec §6.6). */
export function declineOffer(
  state: JobState,
  offer: { workerId: string; offerId: string; retryOfferAt?: number },
  now: number,
): Outcome {
  const held = state.offers.find((o) => o.offerId === offer.offerId && o.workerId === offer.workerId);
  if (!held) return offerNotFound(state.job.id, offer.offerId, offer.workerId);
  const decline: Decline =
    offer.retryOfferAt === undefined ? { declinedAt: now } : { declinedAt: now, retryOfferAt: offer.retryOfferAt };
  return done({
    state: {
      ...state,
      offers: state.offers.filter((o) => o !== held),
      declinedBy: { ...state.declinedBy, [offer.workerId]: decline },
    },
    ended: [{ offerId: held.offerId, workerId: held.workerId, outcome: 'declined' }],
    released: [],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Job actions (spec §2.2 ops 21–25)
// ---------------------------------------------------------------------------------------------------------------

/** `:cancel` — any non-terminal job; offers are revoked and held capacity is released. */
export function cancelJob(state: JobState, options: { note?: string; dispositionCode?: string }, now: number): Outcome {
  if (isTerminal(state.job.status)) {
    return fail('conflict', `Job ${state.job.id} is already ${state.job.status}; only an active job can be cancelled.`);
  }
  const released = heldAssignments(state.job);
  const { state: withoutOffers, ended } = endOffers({ ...state, pendingClose: undefined }, 'revoked');
  const job: RouterJob = {
    ...state.job,
    status: 'cancelled',
    dispositionCode: options.dispositionCode ?? 'Cancelled',
    notes: [...state.job.notes, ...note(options.note, now)],
  };
  return done({ state: touched(withoutOffers, job, now), ended, released });
}

function findAssignment(state: JobState, assignmentId: string): Outcome<RouterJobAssignment> {
  const assignment = state.job.assignments[assignmentId];
  if (assignment === undefined) return fail('notFound', `Job ${state.job.id} has no assignment ${assignmentId}.`);
  return done(assignment);
}

/** `:complete` — assigned → completed; the worker's capacity stays held during wrap-up. */
export function completeJob(state: JobState, options: { assignmentId: string; note?: string }, now: number): Outcome {
  const found = findAssignment(state, options.assignmentId);
  if (!found.ok) return found;
  if (state.job.status !== 'assigned') {
    return fail('conflict', `Job ${state.job.id} is ${state.job.status}; only an assigned job can be completed.`);
  }
  const job: RouterJob = {
    ...state.job,
    status: 'completed',
    assignments: {
      ...state.job.assignments,
      [options.assignmentId]: { ...found.value, completedAt: formatTimestamp(now) },
    },
    notes: [...state.job.notes, ...note(options.note, now)],
  };
  return done({ state: touched(state, job, now), ended: [], released: [] });
}

function closeNow(
  state: JobState,
  assignmentId: string,
  dispositionCode: string | undefined,
  text: string | undefined,
  now: number,
): Transition {
  const assignment = state.job.assignments[assignmentId];
  const job: RouterJob = {
    ...state.job,
    status: 'closed',
    dispositionCode: dispositionCode ?? state.job.dispositionCode ?? 'Closed',
    assignments: assignment
      ? { ...state.job.assignments, [assignmentId]: { ...assignment, closedAt: formatTimestamp(now) } }
      : state.job.assignments,
    notes: [...state.job.notes, ...note(text, now)],
  };
  const released = assignment?.workerId ? [{ assignmentId, workerId: assignment.workerId }] : [];
  return { state: touched(state, job, now), ended: [], released };
}

/**
 * `:close` — a completed (or still assigned) job is closed and its capacity released; with a future `closeAt` both
 * wait for that time, and the job stays in its status until then.
 */
export function closeJob(
  state: JobState,
  options: { assignmentId: string; dispositionCode?: string; closeAt?: number; note?: string },
  now: number,
): Outcome {
  const found = findAssignment(state, options.assignmentId);
  if (!found.ok) return found;
  if (!['assigned', 'completed'].includes(state.job.status) || state.pendingClose) {
    const why = state.pendingClose ? 'already closing' : state.job.status;
    return fail('conflict', `Job ${state.job.id} is ${why}; only an assigned or completed job can be closed.`);
  }
  if (options.closeAt !== undefined && options.closeAt > now) {
    const pendingClose = {
      assignmentId: options.assignmentId,
      closeAt: options.closeAt,
      ...(options.dispositionCode === undefined ? {} : { dispositionCode: options.dispositionCode }),
      ...(options.note === undefined ? {} : { note: options.note }),
    };
    return done({ state: { ...state, pendingClose }, ended: [], released: [] });
  }
  return done(closeNow(state, options.assignmentId, options.dispositionCode, options.note, now));
}

export interface UnassignResult extends Transition {
  unassignmentCount: number;
}

/** `:unassign` — at most 3 times; back to the queue, or parked (`suspend`) with `suspendMatching`. */
export function unassignJob(
  state: JobState,
  options: { assignmentId: string; suspendMatching?: boolean },
  now: number,
): Outcome<UnassignResult> {
  const found = findAssignment(state, options.assignmentId);
  if (!found.ok) return found;
  if (state.job.status !== 'assigned' || state.pendingClose) {
    const why = state.pendingClose ? 'closing' : state.job.status;
    return fail('conflict', `Job ${state.job.id} is ${why}; only an assigned job can be unassigned.`);
  }
  if (state.unassignmentCount >= MAX_UNASSIGNMENTS) {
    return fail('conflict', `Job ${state.job.id} was unassigned ${MAX_UNASSIGNMENTS} times, the most allowed.`);
  }
  const assignment = found.value;
  const assignments = { ...state.job.assignments };
  delete assignments[options.assignmentId];
  let job: RouterJob = { ...state.job, assignments };
  job = options.suspendMatching
    ? { ...job, status: 'waitingForActivation', matchingMode: { kind: 'suspend' } }
    : enqueue(job, now);
  const unassignmentCount = state.unassignmentCount + 1;
  const released = assignment.workerId ? [{ assignmentId: options.assignmentId, workerId: assignment.workerId }] : [];
  return done({ state: touched({ ...state, unassignmentCount }, job, now), ended: [], released, unassignmentCount });
}

/** `:reclassify` — runs the classification policy again (a job with one, not yet assigned). */
export function reclassifyJob(state: JobState, now: number): Outcome {
  if (state.job.classificationPolicyId === undefined) {
    return {
      ok: false,
      error: {
        code: 'validationFailed',
        message: `Job ${state.job.id} has no classificationPolicyId to reclassify with.`,
        errors: [{ field: 'classificationPolicyId', message: 'is required to reclassify' }],
      },
    };
  }
  if (!['queued', 'pendingClassification', 'classificationFailed'].includes(state.job.status)) {
    return fail('conflict', `Job ${state.job.id} is ${state.job.status}; only an unassigned queued job is classified.`);
  }
  const { state: withoutOffers, ended } = endOffers(state, 'revoked');
  const next = touched(withoutOffers, withStatus(state.job, 'pendingClassification'), now);
  return done({ state: { ...next, classificationRun: next.classificationRun + 1 }, ended, released: [] });
}

function remove(state: JobState): Transition {
  const released = heldAssignments(state.job);
  const { state: withoutOffers, ended } = endOffers(state, 'revoked');
  return { state: { ...withoutOffers, deleted: true, pendingClose: undefined }, ended, released };
}

/** DELETE — only a job that is closed or cancelled (cancel an active job first). */
export function deleteJob(state: JobState): Outcome {
  if (!isTerminal(state.job.status)) {
    return fail(
      'conflict',
      `Job ${state.job.id} is ${state.job.status}; only a closed or cancelled job can be deleted (cancel it first).`,
    );
  }
  return done(remove(state));
}
