/**
 * Exception rules acting on a job (spec §4.6, §4.7, §6.3). The router decides when a rule fires (queue length when
 * the job joins its queue, wait time by a durable timer) and tells the job; this runs the rule's actions in order on
 * the job's state: `cancel`, `manualReclassify` (new queue, priority or attached selectors, then queued again) and
 * `reclassify` (labels upserted, then classified again).
 */
import type { RouterWorkerSelector } from './common';
import { cancelJob } from './job-actions';
import {
  type EndedOffer,
  endOffers,
  enqueue,
  type JobState,
  type ReleasedAssignment,
  touched,
  type Transition,
  withStatus,
} from './job-state';
import type { RouterJob } from './models';
import type { ExceptionAction } from './unions';
import { formatTimestamp, timestampMillis } from './wire';

/** A rule that fired for one queueing of the job (its `enqueuedAt`). */
export interface ExceptionTrigger {
  ruleId: string;
  /** ms: the queueing it fired for; a job queued again since ignores it. */
  enqueuedAt: number;
  actions: ExceptionAction[];
}

export interface ExceptionOutcome extends Transition {
  /** False when the job had left that queueing: nothing was done (and no event is due). */
  applied: boolean;
}

/** Selectors set by an action count their expiry from now, as attached ones do (spec §3.8). */
function attachSelectors(selectors: readonly RouterWorkerSelector[], now: number): RouterWorkerSelector[] {
  return selectors.map((selector) => {
    const expiresAt =
      selector.expiresAfterSeconds === undefined
        ? undefined
        : formatTimestamp(now + Math.round(selector.expiresAfterSeconds * 1000));
    return { ...selector, status: 'active', ...(expiresAt === undefined ? {} : { expiresAt }) };
  });
}

function applyAction(state: JobState, action: ExceptionAction, now: number): Transition {
  if (action.kind === 'cancel') {
    const cancelled = cancelJob(
      state,
      {
        ...(action.note === undefined ? {} : { note: action.note }),
        ...(action.dispositionCode === undefined ? {} : { dispositionCode: action.dispositionCode }),
      },
      now,
    );
    return cancelled.ok ? cancelled.value : { state, ended: [], released: [] };
  }
  const { state: withoutOffers, ended } = endOffers(state, 'revoked');
  if (action.kind === 'manualReclassify') {
    const job: RouterJob = enqueue(
      {
        ...state.job,
        queueId: action.queueId ?? state.job.queueId,
        priority: action.priority ?? state.job.priority,
        attachedWorkerSelectors: action.workerSelectors
          ? attachSelectors(action.workerSelectors, now)
          : state.job.attachedWorkerSelectors,
      },
      now,
    );
    return { state: touched(withoutOffers, job, now), ended, released: [] };
  }
  const classificationPolicyId = action.classificationPolicyId ?? state.job.classificationPolicyId;
  // Nothing to classify with: the labels are still upserted, the job stays where it is.
  const labels = { ...state.job.labels, ...action.labelsToUpsert };
  if (classificationPolicyId === undefined) {
    return { state: touched(state, { ...state.job, labels }, now), ended: [], released: [] };
  }
  const job: RouterJob = withStatus({ ...state.job, labels, classificationPolicyId }, 'pendingClassification');
  const next = touched(withoutOffers, job, now);
  return { state: { ...next, classificationRun: next.classificationRun + 1 }, ended, released: [] };
}

/** Runs the rule's actions in order while the job is still in the queueing the rule fired for. */
export function exceptionTriggered(state: JobState, trigger: ExceptionTrigger, now: number): ExceptionOutcome {
  const enqueuedAt = state.job.enqueuedAt === undefined ? undefined : timestampMillis(state.job.enqueuedAt);
  if (state.deleted || state.job.status !== 'queued' || enqueuedAt !== trigger.enqueuedAt) {
    return { state, ended: [], released: [], applied: false };
  }
  let current = state;
  const ended: EndedOffer[] = [];
  const released: ReleasedAssignment[] = [];
  for (const action of trigger.actions) {
    // An earlier action took the job out of the queue (cancelled, or reclassifying): the rest do not apply.
    if (current.job.status !== 'queued') break;
    const step = applyAction(current, action, now);
    current = step.state;
    ended.push(...step.ended);
    released.push(...step.released);
  }
  return { state: current, ended, released, applied: true };
}
