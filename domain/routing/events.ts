/**
 * Job Router events (spec §7): the 21 `Microsoft.Communication.Router*` event types, built from what the routing
 * workflows know (their envelopes and signature: event-envelopes.ts). Pure and deterministic: time
 * and ids are parameters (the workflows pass `Date.now()` and `uuid4`), so a replay builds the same events.
 *
 * - `jobEvents(before, after, context)` compares two states of one job (one transition of the job workflow) and
 *   returns the job events and the offer events of that job, in the order a subscriber should see them.
 * - `workerEvents(before, after)` compares two records of one worker (the router's upsert or delete).
 *
 * Payloads use the event schema's names, which are the preview-era ones (`totalCapacity`, `queueAssignments`,
 * `channelConfigurations`, `scheduledOn`, `offeredOn`/`expiresOn`, `unavailableForMatching`), PascalCase job
 * statuses and label operators, and the event form of a worker selector (`ttlSeconds`, `state`, `expirationTime`).
 * Fields without a value are left out rather than sent as null, as the REST API does.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { RouterWorkerSelector } from './common';
import type { LabelOperator, RouterJobStatus } from './enums';
import type { EndedOffer, JobOffer, JobState } from './job-state';
import type { RouterWorkerRecord } from './messages';
import type { RouterJob } from './models';
import { formatTimestamp, timestampMillis } from './wire';

// ---------------------------------------------------------------------------------------------------------------
// The event types
// ---------------------------------------------------------------------------------------------------------------

export const ROUTER_EVENT_NAMES = [
  'RouterJobReceived',
  'RouterJobClassified',
  'RouterJobQueued',
  'RouterJobClassificationFailed',
  'RouterJobCompleted',
  'RouterJobClosed',
  'RouterJobCancelled',
  'RouterJobExceptionTriggered',
  'RouterJobWorkerSelectorsExpired',
  'RouterJobUnassigned',
  'RouterJobWaitingForActivation',
  'RouterJobSchedulingFailed',
  'RouterJobDeleted',
  'RouterWorkerOfferIssued',
  'RouterWorkerOfferAccepted',
  'RouterWorkerOfferDeclined',
  'RouterWorkerOfferRevoked',
  'RouterWorkerOfferExpired',
  'RouterWorkerRegistered',
  'RouterWorkerDeregistered',
  'RouterWorkerDeleted',
] as const;
export type RouterEventName = (typeof ROUTER_EVENT_NAMES)[number];

export const ROUTER_EVENT_TYPE_PREFIX = 'Microsoft.Communication.';
export type RouterEventType = `Microsoft.Communication.${RouterEventName}`;
export const routerEventType = (name: RouterEventName): RouterEventType => `${ROUTER_EVENT_TYPE_PREFIX}${name}`;
export const ROUTER_EVENT_TYPES: readonly RouterEventType[] = ROUTER_EVENT_NAMES.map(routerEventType);

/**
 * An event type as a subscription names it: the full type (`Microsoft.Communication.RouterJobQueued`) or its short
 * name (`RouterJobQueued`), case-insensitively. Undefined when it is none of the 21.
 */
export function parseRouterEventType(text: string): RouterEventType | undefined {
  const wanted = text.trim().toLowerCase();
  return ROUTER_EVENT_TYPES.find(
    (type) => type.toLowerCase() === wanted || type.slice(ROUTER_EVENT_TYPE_PREFIX.length).toLowerCase() === wanted,
  );
}

/** Whether a subscription's filter lets an event type through: no filter (or an empty one) means every type. */
export const eventTypeSelected = (eventType: string, filter: readonly string[] | undefined): boolean =>
  filter === undefined || filter.length === 0 || filter.includes(eventType);

/** One event, before it is put in an envelope. `data` is the payload of spec §7's table. */
export interface RouterEvent {
  /** A UUID, unique per event, stable across replays and retries (`eventIdFactory`). */
  id: string;
  eventType: RouterEventType;
  subject: string;
  /** ISO 8601 UTC, 7 fractional digits, `Z` (as Event Grid writes it). */
  eventTime: string;
  data: Record<string, unknown>;
}

/**
 * Event ids for a workflow run that do not draw from the workflow's random source: `seed` (the run id) and a
 * counter, hashed into a UUID (RFC 9562 version 8). Stable across replays, unique across runs; and adding events to
 * a running workflow does not shift the `uuid4` values its history already used (offer and assignment ids).
 */
export function eventIdFactory(seed: string): () => string {
  let seq = 0;
  return () => {
    seq += 1;
    const bytes = sha256(utf8ToBytes(`${seed}/${seq}`)).slice(0, 16);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytesToHex(bytes);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/**
 * The lane of an event: events of one job (its job events and its offers' events) are delivered to a subscriber in
 * the order they were emitted; a worker's registration events form one lane per worker.
 */
export function eventLane(event: RouterEvent): string {
  const { jobId, workerId } = event.data;
  if (typeof jobId === 'string') return `job/${jobId}`;
  return `worker/${typeof workerId === 'string' ? workerId : ''}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Payload pieces
// ---------------------------------------------------------------------------------------------------------------

/** An instant as events write it: `2026-11-29T21:05:00.1230000Z`. */
export const eventTimestamp = (at: number): string => formatTimestamp(at).replace(/\+00:00$/, 'Z');

/** A wire timestamp (`…+00:00`) in the events' form, or undefined. */
function eventTimeOf(text: string | undefined): string | undefined {
  const at = text === undefined ? undefined : timestampMillis(text);
  return at === undefined ? undefined : eventTimestamp(at);
}

/** `pendingClassification` → `PendingClassification`: the events' spelling of statuses (spec §5.3). */
export const pascalStatus = (status: RouterJobStatus): string => status.charAt(0).toUpperCase() + status.slice(1);

/** The event schema's label operators (`AcsRouterLabelOperator`): `greaterThan` is `Greater`, `lessThan` `Less`. */
const EVENT_LABEL_OPERATORS: Record<LabelOperator, string> = {
  equal: 'Equal',
  notEqual: 'NotEqual',
  lessThan: 'Less',
  lessThanOrEqual: 'LessThanOrEqual',
  greaterThan: 'Greater',
  greaterThanOrEqual: 'GreaterThanOrEqual',
};

/** A worker selector in events: `{key, labelOperator, value, ttlSeconds, state, expirationTime}` (spec §7). */
export function eventSelector(selector: RouterWorkerSelector): Record<string, unknown> {
  const expirationTime = eventTimeOf(selector.expiresAt);
  return compact({
    key: selector.key,
    labelOperator: EVENT_LABEL_OPERATORS[selector.labelOperator],
    value: selector.value,
    ttlSeconds: selector.expiresAfterSeconds,
    state: selector.status ?? 'active',
    expirationTime,
  });
}

/** Drops undefined members (the events leave out what has no value, as the REST API does). */
function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/**
 * `QueueDetails {id, name, labels}`: the workflows know only the queue id; the delivery activity fills in the name
 * and labels from the queue resource before the event leaves (activities/routing/events.ts `enrichQueueDetails`).
 */
export const queueDetails = (id: string): Record<string, unknown> => ({ id, labels: {} });

/** Fields every `RouterJob*` event carries (J of spec §7). */
function jobFields(job: RouterJob): Record<string, unknown> {
  return compact({
    jobId: job.id,
    channelReference: job.channelReference,
    channelId: job.channelId,
    labels: job.labels,
    tags: job.tags,
  });
}

const jobSubject = (job: RouterJob, suffix?: string): string =>
  `job/${job.id}/channel/${job.channelId}${suffix === undefined ? '' : `/${suffix}`}`;

const scheduleAtOf = (job: RouterJob): string | undefined =>
  job.matchingMode.kind === 'scheduleAndSuspend' ? eventTimeOf(job.matchingMode.scheduleAt) : undefined;

const expiredOnly = (selectors: readonly RouterWorkerSelector[]) =>
  selectors.filter((selector) => selector.status === 'expired').map(eventSelector);

/** Requested and attached selectors, and their expired subsets under both spellings (doc and event schema). */
function selectorFields(job: RouterJob): Record<string, unknown> {
  return {
    requestedWorkerSelectors: job.requestedWorkerSelectors.map(eventSelector),
    attachedWorkerSelectors: job.attachedWorkerSelectors.map(eventSelector),
    expiredRequestedWorkerSelectors: expiredOnly(job.requestedWorkerSelectors),
    expiredAttachedWorkerSelectors: expiredOnly(job.attachedWorkerSelectors),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Job events
// ---------------------------------------------------------------------------------------------------------------

/** What a transition knows beyond the two states. */
export interface JobEventContext {
  /** Offers that ended in the transition (`Transition.ended`): accepted, declined, expired, revoked. */
  ended?: readonly EndedOffer[];
  /** The exception rule that fired, when the transition is an applied `exceptionTriggered`. */
  trigger?: { ruleId: string };
  /** Why classification failed (the `classifyJob` result); else read from the note the failure adds. */
  classificationFailure?: string;
  /** Why scheduling failed; ccflow's one cause (a `scheduleAt` beyond the 90-day lifetime) by default. */
  schedulingFailure?: string;
}

const DEFAULT_SCHEDULING_FAILURE = "scheduleAt falls after the job's 90-day lifetime";
const CLASSIFICATION_NOTE = 'Classification failed: ';

/**
 * The events of one transition of a job, from its state before (undefined: the job did not exist) and after.
 * Order: received, exception triggered, selectors expired, offer outcomes (in `ended` order), the job's own status
 * events (classified or classification failed, unassigned, completed, closed, cancelled, queued, waiting for
 * activation, scheduling failed), offers issued, deleted.
 *
 * Call it once per transition (the job workflow's `apply`): an offer issued and ended between `before` and `after`
 * is visible only in `ended` and is skipped, because the job never held it (an offer reaching a job that already left
 * its queue is withdrawn at once and never announced).
 */
export function jobEvents(
  before: JobState | undefined,
  after: JobState,
  context: JobEventContext,
  now: number,
  newId: () => string,
): RouterEvent[] {
  const events: RouterEvent[] = [];
  const eventTime = eventTimestamp(now);
  const emit = (name: RouterEventName, subject: string, data: Record<string, unknown>): void => {
    events.push({ id: newId(), eventType: routerEventType(name), subject, eventTime, data });
  };
  const job = after.job;
  const previous = before?.job;
  const status = job.status;
  const entered = (target: RouterJobStatus): boolean => status === target && previous?.status !== target;
  const newNotes = job.notes.slice(previous?.notes.length ?? 0);

  if (!previous) {
    const mode = job.matchingMode.kind;
    emit('RouterJobReceived', jobSubject(job), {
      ...jobFields(job),
      // `created` is left in the same workflow step (→ queued); the service reported such a job as Queued.
      jobStatus: pascalStatus(status === 'created' ? 'queued' : status),
      ...compact({ classificationPolicyId: job.classificationPolicyId, queueId: job.queueId }),
      priority: job.priority,
      requestedWorkerSelectors: job.requestedWorkerSelectors.map(eventSelector),
      ...compact({ scheduledOn: scheduleAtOf(job) }),
      unavailableForMatching: mode !== 'queueAndMatch',
    });
  }

  if (context.trigger) {
    const ruleId = context.trigger.ruleId;
    emit('RouterJobExceptionTriggered', jobSubject(job, `exceptionrule/${ruleId}`), {
      ...jobFields(previous ?? job),
      ...compact({ queueId: (previous ?? job).queueId }),
      ruleKey: ruleId,
      exceptionRuleId: ruleId,
    });
  }

  if (previous) {
    const requested = newlyExpired(previous.requestedWorkerSelectors, job.requestedWorkerSelectors);
    const attached = newlyExpired(previous.attachedWorkerSelectors, job.attachedWorkerSelectors);
    if (requested.length + attached.length > 0) {
      const queueId = job.queueId;
      emit('RouterJobWorkerSelectorsExpired', jobSubject(job, queueId === undefined ? undefined : `queue/${queueId}`), {
        ...jobFields(job),
        ...compact({ queueId }),
        requestedWorkerSelectorsExpired: requested,
        attachedWorkerSelectorsExpired: attached,
        expiredRequestedWorkerSelectors: requested,
        expiredAttachedWorkerSelectors: attached,
      });
    }
  }

  // Offer outcomes: the job is their authority (accept, decline, expiry, revocation are its transitions).
  const held = new Map<string, JobOffer>((before?.offers ?? []).map((offer) => [offer.offerId, offer]));
  const offerJob = previous ?? job;
  for (const ended of context.ended ?? []) {
    const offer = held.get(ended.offerId);
    if (!offer) continue;
    const base = offerFields(offerJob, offer);
    const subject = `worker/${offer.workerId}/job/${offerJob.id}`;
    if (ended.outcome === 'accepted') {
      emit('RouterWorkerOfferAccepted', subject, {
        ...base,
        ...jobOfferFields(job),
        ...compact({ assignmentId: ended.assignmentId }),
      });
    } else {
      const name = OUTCOME_EVENTS[ended.outcome];
      emit(name, subject, base);
    }
  }

  if (previous) {
    const classifiedNow =
      previous.status === 'pendingClassification' &&
      (status === 'queued' || status === 'waitingForActivation') &&
      previous.matchingMode.kind === job.matchingMode.kind;
    if (classifiedNow && job.queueId !== undefined) {
      emit('RouterJobClassified', jobSubject(job, `queue/${job.queueId}`), {
        ...jobFields(job),
        queueDetails: queueDetails(job.queueId),
        ...compact({ classificationPolicyId: job.classificationPolicyId }),
        queueId: job.queueId,
        priority: job.priority,
        attachedWorkerSelectors: job.attachedWorkerSelectors.map(eventSelector),
      });
    }
  }
  if (previous && entered('classificationFailed')) {
    const fromNote = newNotes.find((note) => note.message.startsWith(CLASSIFICATION_NOTE));
    const message =
      context.classificationFailure ??
      (fromNote ? fromNote.message.slice(CLASSIFICATION_NOTE.length) : 'Classification failed.');
    const policyId = job.classificationPolicyId;
    emit(
      'RouterJobClassificationFailed',
      jobSubject(job, policyId === undefined ? undefined : `classificationpolicy/${policyId}`),
      { ...jobFields(job), ...compact({ classificationPolicyId: policyId }), errors: [{ message }] },
    );
  }

  if (previous) {
    // Only :unassign removes an assignment from a job.
    for (const assignment of Object.values(previous.assignments)) {
      if (job.assignments[assignment.assignmentId] !== undefined) continue;
      emit('RouterJobUnassigned', jobSubject(job, `assignment/${assignment.assignmentId}`), {
        ...jobFields(job),
        ...compact({ queueId: job.queueId }),
        assignmentId: assignment.assignmentId,
        ...compact({ workerId: assignment.workerId }),
      });
    }
    for (const assignment of Object.values(job.assignments)) {
      const was = previous.assignments[assignment.assignmentId];
      const base = {
        ...jobFields(job),
        ...compact({ queueId: job.queueId }),
        assignmentId: assignment.assignmentId,
        ...compact({ workerId: assignment.workerId }),
      };
      const subject = jobSubject(job, `assignment/${assignment.assignmentId}`);
      if (assignment.completedAt !== undefined && was?.completedAt === undefined) {
        emit('RouterJobCompleted', subject, base);
      }
      if (assignment.closedAt !== undefined && was?.closedAt === undefined) {
        emit('RouterJobClosed', subject, { ...base, ...compact({ dispositionCode: job.dispositionCode }) });
      }
    }
  }

  if (previous && entered('cancelled')) {
    const dispositionCode = job.dispositionCode ?? 'Cancelled';
    const note = newNotes.at(-1)?.message;
    emit('RouterJobCancelled', jobSubject(job, `disposition/${dispositionCode}`), {
      ...jobFields(job),
      ...compact({ note }),
      dispositionCode,
      ...compact({ queueId: job.queueId }),
    });
  }

  const requeued = status === 'queued' && (previous?.status !== 'queued' || previous.enqueuedAt !== job.enqueuedAt);
  if (requeued && job.queueId !== undefined) {
    emit('RouterJobQueued', jobSubject(job, `queue/${job.queueId}`), {
      ...jobFields(job),
      queueId: job.queueId,
      priority: job.priority,
      requestedWorkerSelectors: job.requestedWorkerSelectors.map(eventSelector),
      attachedWorkerSelectors: job.attachedWorkerSelectors.map(eventSelector),
    });
  }

  // A job created suspended is announced by RouterJobReceived (unavailableForMatching) alone.
  if (previous && entered('waitingForActivation')) {
    emit('RouterJobWaitingForActivation', jobSubject(job), {
      ...jobFields(job),
      ...compact({ queueId: job.queueId }),
      priority: job.priority,
      ...selectorFields(job),
      ...compact({ scheduledOn: eventTimeOf(job.scheduledAt) ?? scheduleAtOf(job) }),
      unavailableForMatching: true,
    });
  }
  if (entered('scheduleFailed')) {
    emit('RouterJobSchedulingFailed', jobSubject(job), {
      ...jobFields(job),
      ...compact({ queueId: job.queueId }),
      priority: job.priority,
      ...selectorFields(job),
      ...compact({ scheduledOn: scheduleAtOf(job) }),
      failureReason: context.schedulingFailure ?? DEFAULT_SCHEDULING_FAILURE,
    });
  }

  for (const offer of after.offers) {
    if (held.has(offer.offerId)) continue;
    emit('RouterWorkerOfferIssued', `worker/${offer.workerId}/job/${job.id}`, {
      ...offerFields(job, offer),
      offeredOn: eventTimestamp(offer.offeredAt),
      expiresOn: eventTimestamp(offer.expiresAt),
      ...jobOfferFields(job),
    });
  }

  if (after.deleted && !before?.deleted) {
    emit('RouterJobDeleted', jobSubject(job), { ...jobFields(job), ...compact({ queueId: job.queueId }) });
  }
  return events;
}

const OUTCOME_EVENTS = {
  declined: 'RouterWorkerOfferDeclined',
  expired: 'RouterWorkerOfferExpired',
  revoked: 'RouterWorkerOfferRevoked',
} as const satisfies Record<Exclude<EndedOffer['outcome'], 'accepted'>, RouterEventName>;

/** O of spec §7: what every offer event carries. */
function offerFields(job: RouterJob, offer: JobOffer): Record<string, unknown> {
  return compact({
    offerId: offer.offerId,
    workerId: offer.workerId,
    jobId: job.id,
    channelReference: job.channelReference,
    channelId: offer.channelId,
    queueId: job.queueId,
  });
}

const jobOfferFields = (job: RouterJob): Record<string, unknown> => ({
  jobPriority: job.priority,
  jobLabels: job.labels,
  jobTags: job.tags,
});

/** Selectors whose status became `expired` (the same selector at the same position, no longer active). */
function newlyExpired(
  before: readonly RouterWorkerSelector[],
  after: readonly RouterWorkerSelector[],
): Record<string, unknown>[] {
  return after
    .filter((selector, index) => {
      const was = before[index];
      return (
        selector.status === 'expired' &&
        was !== undefined &&
        was.status !== 'expired' &&
        was.key === selector.key &&
        was.labelOperator === selector.labelOperator
      );
    })
    .map(eventSelector);
}

// ---------------------------------------------------------------------------------------------------------------
// Worker events
// ---------------------------------------------------------------------------------------------------------------

function workerFields(record: RouterWorkerRecord): Record<string, unknown> {
  const worker = record.resource;
  return {
    workerId: worker.id,
    totalCapacity: worker.capacity,
    queueAssignments: worker.queues.map(queueDetails),
    labels: worker.labels,
    channelConfigurations: worker.channels.map((channel) =>
      compact({
        channelId: channel.channelId,
        capacityCostPerJob: channel.capacityCostPerJob,
        maxNumberOfJobs: channel.maxNumberOfJobs,
      }),
    ),
    tags: worker.tags,
  };
}

/**
 * The events of one change of a worker in the router: registered (availableForOffers becomes true, a new worker
 * created available included), deregistered (it becomes false), deleted (`after` undefined).
 */
export function workerEvents(
  before: RouterWorkerRecord | undefined,
  after: RouterWorkerRecord | undefined,
  now: number,
  newId: () => string,
): RouterEvent[] {
  const eventTime = eventTimestamp(now);
  const event = (name: RouterEventName, record: RouterWorkerRecord, data: Record<string, unknown>): RouterEvent => ({
    id: newId(),
    eventType: routerEventType(name),
    subject: `worker/${record.resource.id}`,
    eventTime,
    data,
  });
  const wasAvailable = before?.resource.availableForOffers ?? false;
  if (!after) return before ? [event('RouterWorkerDeleted', before, workerFields(before))] : [];
  if (after.resource.availableForOffers && !wasAvailable) {
    return [event('RouterWorkerRegistered', after, workerFields(after))];
  }
  if (!after.resource.availableForOffers && wasAvailable) {
    return [event('RouterWorkerDeregistered', after, { workerId: after.resource.id })];
  }
  return [];
}
