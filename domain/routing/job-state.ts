/**
 * The router job's state (what the job workflow holds) and the small steps every transition is made of: versioned
 * changes, ending offers, releasing capacity, queueing, closing, removing. Pure; the transitions themselves are in
 * job-lifecycle.ts (creation, updates, timers) and job-actions.ts (offers and the client's actions).
 */
import type { ErrorCode } from '../errors';
import { ACTIVE_JOB_STATUSES, type RouterJobStatus } from './enums';
import type { RouterJob } from './models';
import { computeEtag, formatTimestamp, canonicalJson } from './wire';

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

export const fail = (code: ErrorCode, message: string): { ok: false; error: RouterFailure } => ({
  ok: false,
  error: { code, message },
});
export const done = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export const TERMINAL: readonly RouterJobStatus[] = ['closed', 'cancelled'];
/** Statuses before an assignment, in which routing fields (queue, mode, labels) still steer the job. */
export const UNASSIGNED: readonly RouterJobStatus[] = [
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
export function touched(state: JobState, job: RouterJob, now: number): JobState {
  if (canonicalJson(job) === canonicalJson(state.job)) return state;
  const version = state.version + 1;
  return { ...state, job, version, updatedAt: now, etag: computeEtag({ version, job }) };
}

export const note = (message: string | undefined, now: number) =>
  message === undefined ? [] : [{ message, addedAt: formatTimestamp(now) }];

/** Every outstanding offer ends with `outcome`; `lost` marks them as lost to another worker. */
export function endOffers(
  state: JobState,
  outcome: OfferOutcome,
  lost = false,
): { state: JobState; ended: EndedOffer[] } {
  const ended = state.offers.map((offer) => ({ offerId: offer.offerId, workerId: offer.workerId, outcome }));
  const lostOffers = lost ? [...state.lostOffers, ...ended.map((e) => e.offerId)] : state.lostOffers;
  return { state: { ...state, offers: [], lostOffers }, ended };
}

/** Assignments still holding worker capacity (not closed). */
export function heldAssignments(job: RouterJob): ReleasedAssignment[] {
  return Object.values(job.assignments)
    .filter((a) => a.closedAt === undefined && a.workerId !== undefined)
    .map((a) => ({ assignmentId: a.assignmentId, workerId: a.workerId ?? '' }));
}

export const withStatus = (job: RouterJob, status: RouterJobStatus): RouterJob => ({ ...job, status });

export function enqueue(job: RouterJob, now: number): RouterJob {
  return { ...job, status: 'queued', enqueuedAt: formatTimestamp(now) };
}

export function closeNow(
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

/** Removes the job (DELETE, the 90-day lifetime): offers revoked, held capacity released. */
export function remove(state: JobState): Transition {
  const released = heldAssignments(state.job);
  const { state: withoutOffers, ended } = endOffers(state, 'revoked');
  return { state: { ...withoutOffers, deleted: true, pendingClose: undefined }, ended, released };
}
