/**
 * Job Router events (spec §7): the 21 event types built from job transitions and worker changes, their payloads
 * (preview-era names, PascalCase statuses, the event form of selectors) and subjects, the two envelopes, the
 * signature, and the delivery helpers.
 */
import { deliveryTuning, nextRetryAt } from '../../activities/routing/events';
import { DEFAULT_DELIVERY_TUNING } from '../../domain/routing/event-messages';
import {
  eventBatchBody,
  eventSignature,
  routerEventTopic,
  toCloudEvent,
  toEventGrid,
} from '../../domain/routing/event-envelopes';
import {
  eventIdFactory,
  eventLane,
  eventSelector,
  eventTimestamp,
  eventTypeSelected,
  jobEvents,
  type JobEventContext,
  parseRouterEventType,
  ROUTER_EVENT_TYPES,
  type RouterEvent,
  workerEvents,
} from '../../domain/routing/events';
import { exceptionTriggered } from '../../domain/routing/job-exceptions';
import {
  acceptOffer,
  advance,
  cancelJob,
  classified,
  closeJob,
  completeJob,
  declineOffer,
  deleteJob,
  fireTimers,
  type JobOffer,
  type JobState,
  offersIssued,
  type Outcome,
  type Transition,
  unassignJob,
  upsertJob,
} from '../../domain/routing/job-lifecycle';
import type { RouterWorkerRecord } from '../../domain/routing/messages';
import { upsertWorkerRecord } from '../../domain/routing/worker-record';

const NOW = Date.parse('2026-11-29T21:05:00.123Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

let ids = 0;
const newId = (): string => `id-${++ids}`;

function ok<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

/** Every event a test produced, so the last test can check that all 21 types were built. */
const produced = new Set<string>();

/** The events of one transition, as the job workflow computes them in `apply`. */
function step(
  before: JobState | undefined,
  transition: Transition | JobState,
  at: number,
  context: JobEventContext = {},
): { state: JobState; events: RouterEvent[] } {
  const state = 'state' in transition ? transition.state : transition;
  const ended = 'state' in transition ? transition.ended : [];
  const events = jobEvents(before, state, { ended, ...context }, at, newId);
  for (const event of events) produced.add(event.eventType);
  return { state, events };
}

const names = (events: readonly RouterEvent[]) =>
  events.map((e) => e.eventType.replace('Microsoft.Communication.', ''));
const only = (events: readonly RouterEvent[], name: string): RouterEvent => {
  const found = events.filter((e) => e.eventType === `Microsoft.Communication.${name}`);
  if (found.length !== 1) throw new Error(`expected one ${name}, got ${names(events).join(', ')}`);
  return found[0] as RouterEvent;
};

const JOB = { channelId: 'voice', channelReference: 'call-77', labels: { tier: 'gold' }, tags: { crm: 'c-1' } };

/** PATCH of a new job → its creation events (Received), then the workflow's `advance` (created → queued). */
function createQueued(extra: Record<string, unknown> = {}) {
  const created = ok(upsertJob(undefined, { jobId: 'job-1', patch: { ...JOB, queueId: 'q1', ...extra } }, NOW, newId));
  const received = step(undefined, created, NOW);
  const queued = step(received.state, advance(received.state, NOW), NOW);
  return { received: received.events, queued: queued.events, state: queued.state };
}

const offer = (offerId: string, workerId: string, expiresAt = NOW + MINUTE): JobOffer => ({
  offerId,
  workerId,
  channelId: 'voice',
  capacityCost: 1,
  offeredAt: NOW,
  expiresAt,
});

function offered(...offers: JobOffer[]) {
  const { state } = createQueued();
  return step(state, offersIssued(state, offers), NOW + SECOND);
}

function assigned() {
  const { state } = offered(offer('o1', 'w1'), offer('o2', 'w2'));
  return step(state, ok(acceptOffer(state, { workerId: 'w1', offerId: 'o1' }, NOW + 2 * SECOND, () => 'a1')), NOW);
}

describe('job events (spec §7): creation, queueing, classification', () => {
  it('a job created with a queue: RouterJobReceived (Queued), then RouterJobQueued when the workflow queues it', () => {
    const { received, queued } = createQueued({ priority: 5 });
    expect(names(received)).toEqual(['RouterJobReceived']);
    const event = only(received, 'RouterJobReceived');
    expect(event.subject).toBe('job/job-1/channel/voice');
    expect(event.eventTime).toBe('2026-11-29T21:05:00.1230000Z');
    expect(event.id).toMatch(/^id-\d+$/);
    expect(event.data).toEqual({
      jobId: 'job-1',
      channelReference: 'call-77',
      channelId: 'voice',
      labels: { tier: 'gold' },
      tags: { crm: 'c-1' },
      jobStatus: 'Queued',
      queueId: 'q1',
      priority: 5,
      requestedWorkerSelectors: [],
      unavailableForMatching: false,
    });
    expect(names(queued)).toEqual(['RouterJobQueued']);
    const queuedEvent = only(queued, 'RouterJobQueued');
    expect(queuedEvent.subject).toBe('job/job-1/channel/voice/queue/q1');
    expect(queuedEvent.data).toMatchObject({ jobId: 'job-1', queueId: 'q1', priority: 5, attachedWorkerSelectors: [] });
  });

  it('requested selectors in the event form: ttlSeconds, state, expirationTime, event label operators', () => {
    const { received } = createQueued({
      requestedWorkerSelectors: [
        { key: 'skill', labelOperator: 'greaterThan', value: 5, expiresAfterSeconds: 30 },
        { key: 'lang', labelOperator: 'equal', value: 'en' },
      ],
    });
    const selectors = only(received, 'RouterJobReceived').data.requestedWorkerSelectors;
    expect(selectors).toEqual([
      {
        key: 'skill',
        labelOperator: 'Greater',
        value: 5,
        ttlSeconds: 30,
        state: 'active',
        expirationTime: eventTimestamp(NOW + 30 * SECOND),
      },
      { key: 'lang', labelOperator: 'Equal', value: 'en', state: 'active' },
    ]);
    expect(eventSelector({ key: 'k', labelOperator: 'lessThanOrEqual', status: 'expired' })).toEqual({
      key: 'k',
      labelOperator: 'LessThanOrEqual',
      state: 'expired',
    });
  });

  it('a job with a classification policy: Received (PendingClassification), then Classified and Queued', () => {
    const created = ok(
      upsertJob(undefined, { jobId: 'job-1', patch: { ...JOB, classificationPolicyId: 'cp1' } }, NOW, newId),
    );
    const received = step(undefined, created, NOW);
    expect(only(received.events, 'RouterJobReceived').data).toMatchObject({
      jobStatus: 'PendingClassification',
      classificationPolicyId: 'cp1',
    });
    expect(only(received.events, 'RouterJobReceived').data).not.toHaveProperty('queueId');
    const attached = [{ key: 'lang', labelOperator: 'equal' as const, value: 'en', status: 'active' as const }];
    const result = classified(
      received.state,
      received.state.classificationRun,
      { ok: true, queueId: 'q9', priority: 7, attachedWorkerSelectors: attached },
      NOW + SECOND,
    );
    const { events } = step(received.state, result, NOW + SECOND);
    expect(names(events)).toEqual(['RouterJobClassified', 'RouterJobQueued']);
    const event = only(events, 'RouterJobClassified');
    expect(event.subject).toBe('job/job-1/channel/voice/queue/q9');
    expect(event.data).toMatchObject({
      jobId: 'job-1',
      queueDetails: { id: 'q9', labels: {} },
      classificationPolicyId: 'cp1',
      queueId: 'q9',
      priority: 7,
      attachedWorkerSelectors: [{ key: 'lang', labelOperator: 'Equal', value: 'en', state: 'active' }],
    });
  });

  it('classification failure: RouterJobClassificationFailed with the reason and the policy in the subject', () => {
    const pending = ok(
      upsertJob(undefined, { jobId: 'job-1', patch: { ...JOB, classificationPolicyId: 'cp1' } }, NOW, newId),
    ).state;
    const failed = classified(pending, pending.classificationRun, { ok: false, reason: 'no queue matched' }, NOW);
    const { events } = step(pending, failed, NOW);
    const event = only(events, 'RouterJobClassificationFailed');
    expect(event.subject).toBe('job/job-1/channel/voice/classificationpolicy/cp1');
    expect(event.data).toMatchObject({ classificationPolicyId: 'cp1', errors: [{ message: 'no queue matched' }] });
    // The workflow's own reason wins when it passes one.
    const withContext = step(pending, failed, NOW, { classificationFailure: 'policy cp1 does not exist' }).events;
    expect(only(withContext, 'RouterJobClassificationFailed').data.errors).toEqual([
      { message: 'policy cp1 does not exist' },
    ]);
  });

  it('a job created suspended: Received only (unavailableForMatching); a scheduled one carries scheduledOn', () => {
    const suspended = ok(
      upsertJob(
        undefined,
        { jobId: 'job-1', patch: { ...JOB, queueId: 'q1', matchingMode: { kind: 'suspend' } } },
        NOW,
        newId,
      ),
    );
    const events = step(undefined, suspended, NOW).events;
    expect(names(events)).toEqual(['RouterJobReceived']);
    expect(only(events, 'RouterJobReceived').data).toMatchObject({
      jobStatus: 'WaitingForActivation',
      unavailableForMatching: true,
    });
    const scheduleAt = '2026-11-30T09:00:00.0000000+00:00';
    const scheduled = ok(
      upsertJob(
        undefined,
        { jobId: 'job-2', patch: { ...JOB, queueId: 'q1', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt } } },
        NOW,
        newId,
      ),
    );
    expect(only(step(undefined, scheduled, NOW).events, 'RouterJobReceived').data).toMatchObject({
      jobStatus: 'PendingSchedule',
      scheduledOn: '2026-11-30T09:00:00.0000000Z',
      unavailableForMatching: true,
    });
  });
});

describe('offer events: issued, accepted, declined, revoked, expired', () => {
  it('offers issued to the job: RouterWorkerOfferIssued per offer, subject worker/{w}/job/{j}', () => {
    const { events } = offered(offer('o1', 'w1'), offer('o2', 'w2'));
    expect(names(events)).toEqual(['RouterWorkerOfferIssued', 'RouterWorkerOfferIssued']);
    const [first] = events;
    expect(first?.subject).toBe('worker/w1/job/job-1');
    expect(first?.data).toEqual({
      offerId: 'o1',
      workerId: 'w1',
      jobId: 'job-1',
      channelReference: 'call-77',
      channelId: 'voice',
      queueId: 'q1',
      offeredOn: eventTimestamp(NOW),
      expiresOn: eventTimestamp(NOW + MINUTE),
      jobPriority: 1,
      jobLabels: { tier: 'gold' },
      jobTags: { crm: 'c-1' },
    });
  });

  it('accept: RouterWorkerOfferAccepted with the assignment, then the other offers revoked', () => {
    const { events } = assigned();
    expect(names(events)).toEqual(['RouterWorkerOfferAccepted', 'RouterWorkerOfferRevoked']);
    const accepted = only(events, 'RouterWorkerOfferAccepted');
    expect(accepted.subject).toBe('worker/w1/job/job-1');
    expect(accepted.data).toMatchObject({
      offerId: 'o1',
      workerId: 'w1',
      jobId: 'job-1',
      queueId: 'q1',
      channelId: 'voice',
      assignmentId: 'a1',
      jobPriority: 1,
      jobLabels: { tier: 'gold' },
      jobTags: { crm: 'c-1' },
    });
    const revoked = only(events, 'RouterWorkerOfferRevoked');
    expect(revoked.subject).toBe('worker/w2/job/job-1');
    expect(revoked.data).toEqual({
      offerId: 'o2',
      workerId: 'w2',
      jobId: 'job-1',
      channelReference: 'call-77',
      channelId: 'voice',
      queueId: 'q1',
    });
  });

  it('decline: RouterWorkerOfferDeclined; expiry: RouterWorkerOfferExpired', () => {
    const { state } = offered(offer('o1', 'w1'), offer('o2', 'w2', NOW + 10 * SECOND));
    const declined = step(state, ok(declineOffer(state, { workerId: 'w1', offerId: 'o1' }, NOW + SECOND)), NOW);
    expect(names(declined.events)).toEqual(['RouterWorkerOfferDeclined']);
    expect(only(declined.events, 'RouterWorkerOfferDeclined').data).toMatchObject({ offerId: 'o1', workerId: 'w1' });
    const expired = step(declined.state, fireTimers(declined.state, NOW + 10 * SECOND), NOW + 10 * SECOND);
    expect(names(expired.events)).toEqual(['RouterWorkerOfferExpired']);
    expect(only(expired.events, 'RouterWorkerOfferExpired').subject).toBe('worker/w2/job/job-1');
  });

  it('an offer that reaches a job no longer queued is never announced (issued and withdrawn at once)', () => {
    const { state } = offered(offer('o1', 'w1'));
    const accepted = ok(acceptOffer(state, { workerId: 'w1', offerId: 'o1' }, NOW + SECOND, () => 'a1')).state;
    const late = offersIssued(accepted, [offer('o9', 'w9')]);
    expect(late.ended).toEqual([{ offerId: 'o9', workerId: 'w9', outcome: 'revoked' }]);
    expect(step(accepted, late, NOW).events).toEqual([]);
  });
});

describe('job events: assignment, wrap-up, cancellation, exceptions, timers, deletion', () => {
  it('complete, then close: RouterJobCompleted and RouterJobClosed with the assignment', () => {
    const { state } = assigned();
    const completed = step(state, ok(completeJob(state, { assignmentId: 'a1' }, NOW + MINUTE)), NOW + MINUTE);
    const event = only(completed.events, 'RouterJobCompleted');
    expect(event.subject).toBe('job/job-1/channel/voice/assignment/a1');
    expect(event.data).toMatchObject({ jobId: 'job-1', queueId: 'q1', assignmentId: 'a1', workerId: 'w1' });
    const closing = ok(
      closeJob(completed.state, { assignmentId: 'a1', dispositionCode: 'Resolved' }, NOW + 2 * MINUTE),
    );
    const closed = step(completed.state, closing, NOW + 2 * MINUTE);
    expect(names(closed.events)).toEqual(['RouterJobClosed']);
    expect(only(closed.events, 'RouterJobClosed').data).toMatchObject({
      assignmentId: 'a1',
      workerId: 'w1',
      queueId: 'q1',
      dispositionCode: 'Resolved',
    });
  });

  it('a deferred close emits RouterJobClosed when it takes effect (closeAt), not when it is asked for', () => {
    const { state } = assigned();
    const closeAt = NOW + 5 * MINUTE;
    const asked = step(state, ok(closeJob(state, { assignmentId: 'a1', closeAt }, NOW + MINUTE)), NOW + MINUTE);
    expect(asked.events).toEqual([]);
    const fired = step(asked.state, fireTimers(asked.state, closeAt), closeAt);
    expect(names(fired.events)).toEqual(['RouterJobClosed']);
    expect(only(fired.events, 'RouterJobClosed').data).toMatchObject({ dispositionCode: 'Closed' });
  });

  it('cancel: RouterJobCancelled with the note and disposition (in the subject), offers revoked', () => {
    const { state } = offered(offer('o1', 'w1'));
    const cancelled = ok(cancelJob(state, { note: 'caller hung up', dispositionCode: 'Abandoned' }, NOW + SECOND));
    const { events } = step(state, cancelled, NOW + SECOND);
    expect(names(events)).toEqual(['RouterWorkerOfferRevoked', 'RouterJobCancelled']);
    const event = only(events, 'RouterJobCancelled');
    expect(event.subject).toBe('job/job-1/channel/voice/disposition/Abandoned');
    expect(event.data).toMatchObject({
      jobId: 'job-1',
      note: 'caller hung up',
      dispositionCode: 'Abandoned',
      queueId: 'q1',
    });
    const plain = step(state, ok(cancelJob(state, {}, NOW)), NOW).events;
    expect(only(plain, 'RouterJobCancelled').data).toMatchObject({ dispositionCode: 'Cancelled' });
    expect(only(plain, 'RouterJobCancelled').data).not.toHaveProperty('note');
  });

  it('unassign: RouterJobUnassigned, then RouterJobQueued again', () => {
    const { state } = assigned();
    const { events } = step(state, ok(unassignJob(state, { assignmentId: 'a1' }, NOW + MINUTE)), NOW + MINUTE);
    expect(names(events)).toEqual(['RouterJobUnassigned', 'RouterJobQueued']);
    const event = only(events, 'RouterJobUnassigned');
    expect(event.subject).toBe('job/job-1/channel/voice/assignment/a1');
    expect(event.data).toMatchObject({ assignmentId: 'a1', workerId: 'w1', queueId: 'q1' });
  });

  it('an exception rule: RouterJobExceptionTriggered (ruleKey, exceptionRuleId), then what its actions did', () => {
    const { state } = offered(offer('o1', 'w1'));
    const enqueuedAt = Date.parse(state.job.enqueuedAt ?? '');
    const trigger = {
      ruleId: 'escalate',
      enqueuedAt,
      actions: [{ id: 'a-1', kind: 'manualReclassify' as const, queueId: 'q-vip', priority: 10 }],
    };
    const outcome = exceptionTriggered(state, trigger, NOW + MINUTE);
    expect(outcome.applied).toBe(true);
    const { events } = step(state, outcome, NOW + MINUTE, { trigger: { ruleId: 'escalate' } });
    expect(names(events)).toEqual(['RouterJobExceptionTriggered', 'RouterWorkerOfferRevoked', 'RouterJobQueued']);
    const event = only(events, 'RouterJobExceptionTriggered');
    expect(event.subject).toBe('job/job-1/channel/voice/exceptionrule/escalate');
    expect(event.data).toMatchObject({
      jobId: 'job-1',
      queueId: 'q1',
      ruleKey: 'escalate',
      exceptionRuleId: 'escalate',
    });
    expect(only(events, 'RouterJobQueued').data).toMatchObject({ queueId: 'q-vip', priority: 10 });
  });

  it('selector expiry: RouterJobWorkerSelectorsExpired lists the newly expired selectors (both spellings)', () => {
    const { state } = createQueued({
      requestedWorkerSelectors: [
        { key: 'agent', labelOperator: 'equal', value: 'alice', expiresAfterSeconds: 20 },
        { key: 'lang', labelOperator: 'equal', value: 'en' },
      ],
    });
    const { events } = step(state, fireTimers(state, NOW + 20 * SECOND), NOW + 20 * SECOND);
    expect(names(events)).toEqual(['RouterJobWorkerSelectorsExpired']);
    const event = only(events, 'RouterJobWorkerSelectorsExpired');
    expect(event.subject).toBe('job/job-1/channel/voice/queue/q1');
    const expired = [
      {
        key: 'agent',
        labelOperator: 'Equal',
        value: 'alice',
        ttlSeconds: 20,
        state: 'expired',
        expirationTime: eventTimestamp(NOW + 20 * SECOND),
      },
    ];
    expect(event.data).toMatchObject({
      queueId: 'q1',
      requestedWorkerSelectorsExpired: expired,
      attachedWorkerSelectorsExpired: [],
      expiredRequestedWorkerSelectors: expired,
      expiredAttachedWorkerSelectors: [],
    });
  });

  it('a schedule that fires: RouterJobWaitingForActivation with scheduledOn', () => {
    const scheduleAt = NOW + 10 * MINUTE;
    const mode = { kind: 'scheduleAndSuspend', scheduleAt: new Date(scheduleAt).toISOString() };
    const created = ok(
      upsertJob(undefined, { jobId: 'job-1', patch: { ...JOB, queueId: 'q1', matchingMode: mode } }, NOW, newId),
    ).state;
    const scheduled = step(created, advance(created, NOW), NOW);
    expect(scheduled.events).toEqual([]);
    const { events } = step(scheduled.state, fireTimers(scheduled.state, scheduleAt), scheduleAt);
    expect(names(events)).toEqual(['RouterJobWaitingForActivation']);
    expect(only(events, 'RouterJobWaitingForActivation').data).toMatchObject({
      jobId: 'job-1',
      queueId: 'q1',
      priority: 1,
      requestedWorkerSelectors: [],
      attachedWorkerSelectors: [],
      scheduledOn: eventTimestamp(scheduleAt),
      unavailableForMatching: true,
    });
  });

  it('a schedule beyond the 90-day lifetime: RouterJobSchedulingFailed with a failure reason', () => {
    const mode = { kind: 'scheduleAndSuspend', scheduleAt: new Date(NOW + 100 * DAY).toISOString() };
    const created = ok(
      upsertJob(undefined, { jobId: 'job-1', patch: { ...JOB, queueId: 'q1', matchingMode: mode } }, NOW, newId),
    ).state;
    const { events } = step(created, advance(created, NOW), NOW);
    expect(names(events)).toEqual(['RouterJobSchedulingFailed']);
    expect(only(events, 'RouterJobSchedulingFailed').data).toMatchObject({
      scheduledOn: eventTimestamp(NOW + 100 * DAY),
      failureReason: expect.stringContaining('90-day') as unknown,
      priority: 1,
    });
  });

  it('delete: RouterJobDeleted', () => {
    const { state } = createQueued();
    const cancelled = ok(cancelJob(state, {}, NOW)).state;
    const { events } = step(cancelled, ok(deleteJob(cancelled)), NOW + MINUTE);
    expect(names(events)).toEqual(['RouterJobDeleted']);
    expect(only(events, 'RouterJobDeleted')).toMatchObject({
      subject: 'job/job-1/channel/voice',
      data: { jobId: 'job-1', channelId: 'voice', queueId: 'q1', labels: { tier: 'gold' } },
    });
  });

  it('a change that no event describes (a priority PATCH of a queued job) emits nothing', () => {
    const { state } = createQueued();
    const patched = ok(upsertJob(state, { jobId: 'job-1', patch: { priority: 9 } }, NOW + SECOND, newId));
    expect(step(state, patched, NOW + SECOND).events).toEqual([]);
  });
});

describe('worker events', () => {
  const upsert = (previous: RouterWorkerRecord | undefined, patch: Record<string, unknown>): RouterWorkerRecord =>
    ok(upsertWorkerRecord(previous, { workerId: 'w1', patch }, NOW)).record;
  const WORKER = {
    capacity: 10,
    queues: ['q1', 'q2'],
    channels: [
      { channelId: 'voice', capacityCostPerJob: 10 },
      { channelId: 'chat', capacityCostPerJob: 2, maxNumberOfJobs: 3 },
    ],
    labels: { skill: 'sales' },
    tags: { site: 'lyon' },
  };
  const emitted = (before: RouterWorkerRecord | undefined, after: RouterWorkerRecord | undefined) => {
    const events = workerEvents(before, after, NOW, newId);
    for (const event of events) produced.add(event.eventType);
    return events;
  };

  it('registered on availableForOffers → true (a new available worker included), with the preview-era names', () => {
    const inactive = upsert(undefined, { ...WORKER, availableForOffers: false });
    expect(emitted(undefined, inactive)).toEqual([]);
    const active = upsert(inactive, { availableForOffers: true });
    const [event] = emitted(inactive, active);
    expect(event?.eventType).toBe('Microsoft.Communication.RouterWorkerRegistered');
    expect(event?.subject).toBe('worker/w1');
    expect(event?.data).toEqual({
      workerId: 'w1',
      totalCapacity: 10,
      queueAssignments: [
        { id: 'q1', labels: {} },
        { id: 'q2', labels: {} },
      ],
      labels: { skill: 'sales', Id: 'w1' },
      channelConfigurations: [
        { channelId: 'voice', capacityCostPerJob: 10 },
        { channelId: 'chat', capacityCostPerJob: 2, maxNumberOfJobs: 3 },
      ],
      tags: { site: 'lyon' },
    });
    expect(names(emitted(undefined, upsert(undefined, { ...WORKER, availableForOffers: true })))).toEqual([
      'RouterWorkerRegistered',
    ]);
    // Another change of an active worker is not a registration.
    expect(emitted(active, upsert(active, { capacity: 20 }))).toEqual([]);
  });

  it('deregistered on availableForOffers → false; deleted carries the worker like registered', () => {
    const active = upsert(undefined, { ...WORKER, availableForOffers: true });
    const inactive = upsert(active, { availableForOffers: false });
    const [deregistered] = emitted(active, inactive);
    expect(deregistered).toMatchObject({
      eventType: 'Microsoft.Communication.RouterWorkerDeregistered',
      subject: 'worker/w1',
      data: { workerId: 'w1' },
    });
    const [deleted] = emitted(inactive, undefined);
    expect(deleted?.eventType).toBe('Microsoft.Communication.RouterWorkerDeleted');
    expect(deleted?.data).toMatchObject({ workerId: 'w1', totalCapacity: 10, tags: { site: 'lyon' } });
    expect(emitted(undefined, undefined)).toEqual([]);
  });
});

describe('envelopes, signatures, filters, lanes', () => {
  const event: RouterEvent = {
    id: '7f1df17b-570b-4ae5-9cf5-fe6ff64cc712',
    eventType: 'Microsoft.Communication.RouterJobQueued',
    subject: 'job/j1/channel/voice/queue/q1',
    eventTime: '2026-11-29T21:05:00.1230000Z',
    data: { jobId: 'j1', channelId: 'voice', queueId: 'q1', priority: 1 },
  };

  it('the Event Grid schema: id, topic, subject, data, eventType, dataVersion 1.0, metadataVersion 1, eventTime', () => {
    expect(routerEventTopic('t-1')).toBe('/ccflow/tenants/t-1');
    expect(toEventGrid(event, '/ccflow/tenants/t-1')).toEqual({
      id: event.id,
      topic: '/ccflow/tenants/t-1',
      subject: event.subject,
      data: event.data,
      eventType: 'Microsoft.Communication.RouterJobQueued',
      dataVersion: '1.0',
      metadataVersion: '1',
      eventTime: event.eventTime,
    });
  });

  it('CloudEvents 1.0 JSON: specversion, id, source, type, subject, time, datacontenttype, data', () => {
    expect(toCloudEvent(event, '/ccflow/tenants/t-1')).toEqual({
      specversion: '1.0',
      id: event.id,
      source: '/ccflow/tenants/t-1',
      type: 'Microsoft.Communication.RouterJobQueued',
      subject: event.subject,
      time: event.eventTime,
      datacontenttype: 'application/json',
      data: event.data,
    });
  });

  it('a POST body is a JSON array in the schema, with its content type', () => {
    const grid = eventBatchBody([event, event], 'eventGrid', '/t');
    expect(grid.contentType).toMatch(/^application\/json/);
    expect((JSON.parse(grid.body) as unknown[]).length).toBe(2);
    const cloud = eventBatchBody([event], 'cloudEvents', '/t');
    expect(cloud.contentType).toMatch(/^application\/cloudevents-batch\+json/);
    expect(JSON.parse(cloud.body)).toEqual([toCloudEvent(event, '/t')]);
  });

  it('the signature is sha256=<hex HMAC-SHA256 of the body> (RFC 4231 test case 2)', () => {
    expect(eventSignature('Jefe', 'what do ya want for nothing?')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('event types: the 21 names, parsed in full or short form; a filter selects, no filter selects all', () => {
    expect(ROUTER_EVENT_TYPES).toHaveLength(21);
    expect(new Set(ROUTER_EVENT_TYPES).size).toBe(21);
    expect(parseRouterEventType('RouterJobQueued')).toBe('Microsoft.Communication.RouterJobQueued');
    expect(parseRouterEventType('microsoft.communication.routerworkerdeleted')).toBe(
      'Microsoft.Communication.RouterWorkerDeleted',
    );
    expect(parseRouterEventType('RouterJobAssigned')).toBeUndefined();
    expect(eventTypeSelected(event.eventType, undefined)).toBe(true);
    expect(eventTypeSelected(event.eventType, [event.eventType])).toBe(true);
    expect(eventTypeSelected(event.eventType, ['Microsoft.Communication.RouterJobClosed'])).toBe(false);
  });

  it("lanes: a job's events (offer events included) share one lane; a worker's registration events another", () => {
    expect(eventLane(event)).toBe('job/j1');
    expect(eventLane({ ...event, data: { offerId: 'o', workerId: 'w', jobId: 'j1' } })).toBe('job/j1');
    expect(eventLane({ ...event, data: { workerId: 'w' } })).toBe('worker/w');
  });

  it('delivery settings: defaults, environment durations, overrides; retries announced within the deadline', () => {
    expect(deliveryTuning([])).toEqual(DEFAULT_DELIVERY_TUNING);
    const tuning = deliveryTuning([{ CCFLOW_EVENT_RETRY_INITIAL: '200ms', CCFLOW_EVENT_RETRY_FOR: '1h' }], {
      maximumIntervalMs: 1000,
    });
    expect(tuning).toMatchObject({ initialIntervalMs: 200, maxAgeMs: 3_600_000, maximumIntervalMs: 1000 });
    expect(nextRetryAt(tuning, 1, 0, 10_000)).toBe(200);
    expect(nextRetryAt(tuning, 3, 0, 10_000)).toBe(800);
    expect(nextRetryAt(tuning, 10, 0, 10_000)).toBe(1000);
    expect(nextRetryAt(tuning, 10, 9_500, 10_000)).toBeUndefined();
  });

  it('event ids: UUIDs from the run id and a counter, the same on replay, different per run', () => {
    const first = eventIdFactory('run-1');
    const ids = [first(), first(), first()];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
    const replay = eventIdFactory('run-1');
    expect([replay(), replay(), replay()]).toEqual(ids);
    expect(eventIdFactory('run-2')()).not.toBe(ids[0]);
  });

  it('every one of the 21 event types was built by the tests above', () => {
    expect([...produced].sort()).toEqual([...ROUTER_EVENT_TYPES].sort());
  });
});
