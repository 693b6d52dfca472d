/**
 * The job's offers (spec §6.6) and the client's actions on it (spec §2.2 ops 21–25, DELETE): pure transitions of
 * job-state.ts, each refusing with the code the client sees or returning what the router must learn.
 */
import type { RouterJob, RouterJobAssignment } from './models';
import {
  closeNow,
  done,
  endOffers,
  enqueue,
  fail,
  heldAssignments,
  isTerminal,
  type Decline,
  type EndedOffer,
  type JobOffer,
  type JobState,
  MAX_UNASSIGNMENTS,
  note,
  type Outcome,
  remove,
  touched,
  type Transition,
  withStatus,
} from './job-state';
import { formatTimestamp } from './wire';

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
export function cancelJob(
  state: JobState,
  options: { note?: string; dispositionCode?: string; unlessAssigned?: boolean },
  now: number,
): Outcome {
  if (isTerminal(state.job.status)) {
    return fail('conflict', `Job ${state.job.id} is already ${state.job.status}; only an active job can be cancelled.`);
  }
  // ccflow's own withdrawal of an attempt nobody took: a worker who took it meanwhile keeps it.
  if (options.unlessAssigned && ['assigned', 'completed'].includes(state.job.status)) {
    return fail('conflict', `Job ${state.job.id} is ${state.job.status}; it is not withdrawn.`);
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
