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
  JOB_LIFETIME_MS,
  nextDeadline,
  offersIssued,
  reclassifyJob,
  revokeOffers,
  unassignJob,
  upsertJob,
  type JobOffer,
  type JobState,
  type Outcome,
  type RouterFailure,
  type UpsertRequest,
  type UpsertResult,
} from '../../domain/routing/job-lifecycle';
import type { RouterWorkerSelector } from '../../domain/routing/common';
import { formatTimestamp, httpDate } from '../../domain/routing/wire';

/** The job state machine (spec §6.3, §6.6): pure transitions, time as epoch ms, ids from a passed generator. */

const NOW = Date.parse('2026-11-29T21:05:00.123Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let idCounter = 0;
const newId = (): string => `generated-${++idCounter}`;

function ok<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

function refused<T>(outcome: Outcome<T>): RouterFailure {
  if (outcome.ok) throw new Error('expected a refusal, the transition succeeded');
  return outcome.error;
}

function upsert(
  state: JobState | undefined,
  patch: unknown,
  now = NOW,
  conditions: Omit<UpsertRequest, 'jobId' | 'patch'> = {},
): UpsertResult {
  return ok(upsertJob(state, { jobId: 'job-1', patch, ...conditions }, now, newId));
}

const create = (patch: unknown, now = NOW): JobState => upsert(undefined, patch, now).state;

/** A job created with a queue and moved on to `queued` by the workflow. */
const queuedJob = (now = NOW, extra: Record<string, unknown> = {}): JobState =>
  advance(create({ channelId: 'voice', queueId: 'q1', ...extra }, now), now);

/** A job created with a classification policy and classified into `q1`. */
function classifiedJob(now = NOW): JobState {
  const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1', labels: { tier: 'gold' } }, now);
  return classified(pending, pending.classificationRun, { ok: true, queueId: 'q1', attachedWorkerSelectors: [] }, now);
}

const offer = (offerId: string, workerId: string, expiresAt = NOW + 10 * MINUTE): JobOffer => ({
  offerId,
  workerId,
  channelId: 'voice',
  capacityCost: 1,
  offeredAt: NOW,
  expiresAt,
});

const withOffers = (state: JobState, ...offers: JobOffer[]): JobState => offersIssued(state, offers).state;

/** A queued job whose offer o1 (w1) was accepted at `at`; it also held o2 (w2), now revoked as lost. */
function assignedJob(at = NOW + SECOND): { state: JobState; assignmentId: string } {
  const offered = withOffers(queuedJob(), offer('o1', 'w1'), offer('o2', 'w2'));
  const accepted = ok(acceptOffer(offered, { workerId: 'w1', offerId: 'o1' }, at, () => 'a1'));
  return { state: accepted.state, assignmentId: accepted.assignmentId };
}

const completedJob = (at = NOW + MINUTE): JobState =>
  ok(completeJob(assignedJob().state, { assignmentId: 'a1' }, at)).state;

const selector = (key: string, value: string, expiresAfterSeconds?: number): Record<string, unknown> =>
  expiresAfterSeconds === undefined
    ? { key, labelOperator: 'equal', value }
    : { key, labelOperator: 'equal', value, expiresAfterSeconds };

describe('job creation and the workflow’s own steps (spec §6.3)', () => {
  it('a job with a queueId starts `created`; advance queues it with enqueuedAt', () => {
    const result = upsert(undefined, { channelId: 'voice', queueId: 'q1' });
    expect(result.created).toBe(true);
    expect(result.ended).toEqual([]);
    expect(result.released).toEqual([]);
    const created = result.state;
    expect(created.job.status).toBe('created');
    expect(created.job).not.toHaveProperty('enqueuedAt');
    expect(created).toMatchObject({ version: 1, createdAt: NOW, updatedAt: NOW, deleted: false, offers: [] });

    const queued = advance(created, NOW + SECOND);
    expect(queued.job.status).toBe('queued');
    expect(queued.job.enqueuedAt).toBe(formatTimestamp(NOW + SECOND));
    expect(queued.version).toBe(2);
    expect(queued.etag).not.toBe(created.etag);
    expect(queued.updatedAt).toBe(NOW + SECOND);
    // Nothing more to do: advance of a queued job is the same state.
    expect(advance(queued, NOW + 2 * SECOND)).toBe(queued);
  });

  it('a job with neither queueId nor classificationPolicyId is refused', () => {
    const error = refused(upsertJob(undefined, { jobId: 'job-1', patch: { channelId: 'voice' } }, NOW, newId));
    expect(error.code).toBe('validationFailed');
    expect(error.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'queueId' })]));
  });

  it('read-only members in the body are ignored (status, enqueuedAt, assignments)', () => {
    const created = create({
      channelId: 'voice',
      queueId: 'q1',
      status: 'assigned',
      enqueuedAt: '2020-01-01T00:00:00Z',
      assignments: { x: { assignmentId: 'x', assignedAt: '2020-01-01T00:00:00Z' } },
    });
    expect(created.job.status).toBe('created');
    expect(created.job).not.toHaveProperty('enqueuedAt');
    expect(created.job.assignments).toEqual({});
  });

  it('a job with a classificationPolicyId starts `pendingClassification`; success queues it', () => {
    const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1', priority: 3 });
    expect(pending.job.status).toBe('pendingClassification');
    expect(advance(pending, NOW + SECOND)).toBe(pending);

    const attached: RouterWorkerSelector[] = [
      { key: 'skill', labelOperator: 'equal', value: 'fr', status: 'active' },
      {
        key: 'Id',
        labelOperator: 'equal',
        value: 'w1',
        expiresAfterSeconds: 30,
        status: 'active',
        expiresAt: formatTimestamp(NOW + 30 * SECOND),
      },
    ];
    const at = NOW + 2 * SECOND;
    const queued = classified(
      pending,
      pending.classificationRun,
      { ok: true, queueId: 'q2', priority: 9, attachedWorkerSelectors: attached },
      at,
    );
    expect(queued.job).toMatchObject({
      status: 'queued',
      queueId: 'q2',
      priority: 9,
      attachedWorkerSelectors: attached,
      enqueuedAt: formatTimestamp(at),
    });
    expect(queued.version).toBe(pending.version + 1);
    expect(queued.etag).not.toBe(pending.etag);
  });

  it('a classification without a priority keeps the job’s own priority', () => {
    const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1', priority: 3 });
    const queued = classified(
      pending,
      pending.classificationRun,
      { ok: true, queueId: 'q2', attachedWorkerSelectors: [] },
      NOW,
    );
    expect(queued.job.priority).toBe(3);
    expect(queued.job.status).toBe('queued');
  });

  it('a failed classification leaves the job `classificationFailed`, without a queue', () => {
    const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1' });
    const failed = classified(pending, pending.classificationRun, { ok: false, reason: 'no queue' }, NOW + SECOND);
    expect(failed.job.status).toBe('classificationFailed');
    expect(failed.job).not.toHaveProperty('queueId');
    expect(failed.job).not.toHaveProperty('enqueuedAt');
    expect(failed.version).toBe(pending.version + 1);
  });

  it('the result of a stale classification run is ignored', () => {
    const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1' });
    const staleRun = pending.classificationRun;
    // :reclassify while still pending starts a new run.
    const rerun = ok(reclassifyJob(pending, NOW + SECOND)).state;
    expect(rerun.classificationRun).toBe(staleRun + 1);
    const result = { ok: true as const, queueId: 'q-old', attachedWorkerSelectors: [] };
    expect(classified(rerun, staleRun, result, NOW + 2 * SECOND)).toBe(rerun);
    const current = classified(rerun, rerun.classificationRun, { ...result, queueId: 'q-new' }, NOW + 2 * SECOND);
    expect(current.job).toMatchObject({ status: 'queued', queueId: 'q-new' });
  });

  it('a classification result for a job no longer pending classification is ignored', () => {
    const queued = classifiedJob();
    const result = { ok: true as const, queueId: 'q9', attachedWorkerSelectors: [] };
    expect(classified(queued, queued.classificationRun, result, NOW + SECOND)).toBe(queued);
  });

  it('a label change while classification is running makes that run stale (its result uses the old labels)', () => {
    const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1', labels: { tier: 'silver' } });
    const runForSilver = pending.classificationRun;
    const relabelled = upsert(pending, { labels: { tier: 'gold' } }, NOW + SECOND).state;
    expect(relabelled.job.status).toBe('pendingClassification');
    // The workflow starts a classification whenever the run number differs from the one it is running.
    expect(relabelled.classificationRun).not.toBe(runForSilver);
    const silverResult = { ok: true as const, queueId: 'q-silver', attachedWorkerSelectors: [] };
    expect(classified(relabelled, runForSilver, silverResult, NOW + 2 * SECOND)).toBe(relabelled);
  });
});

describe('scheduled and suspended jobs (spec §6.3, §4.2)', () => {
  it('fails a schedule beyond the 90-day lifetime (scheduleFailed); a PATCH with a new time schedules it', () => {
    const late = new Date(NOW + 91 * DAY).toISOString();
    const created = create({
      channelId: 'voice',
      queueId: 'q1',
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: late },
    });
    const failed = advance(created, NOW + 10);
    expect(failed.job.status).toBe('scheduleFailed');
    const soon = new Date(NOW + HOUR).toISOString();
    const fixed = upsert(failed, { matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: soon } }, NOW + 20).state;
    expect(fixed.job.status).toBe('pendingSchedule');
    expect(advance(fixed, NOW + 30).job.status).toBe('scheduled');
  });

  const scheduleAt = NOW + HOUR;
  const scheduledJob = (): JobState =>
    advance(
      create({
        channelId: 'voice',
        queueId: 'q1',
        matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(scheduleAt).toISOString() },
      }),
      NOW + SECOND,
    );

  it('scheduleAndSuspend: pendingSchedule → scheduled → waitingForActivation at scheduleAt → queued on activation', () => {
    const created = create({
      channelId: 'voice',
      queueId: 'q1',
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(scheduleAt).toISOString() },
    });
    expect(created.job.status).toBe('pendingSchedule');
    expect(created.job.matchingMode).toEqual({ kind: 'scheduleAndSuspend', scheduleAt: formatTimestamp(scheduleAt) });

    const scheduled = advance(created, NOW + SECOND);
    expect(scheduled.job.status).toBe('scheduled');
    expect(scheduled.version).toBe(2);
    expect(nextDeadline(scheduled)).toBe(scheduleAt);

    // Not yet due.
    const early = fireTimers(scheduled, scheduleAt - 1);
    expect(early.state.job.status).toBe('scheduled');
    expect(early.state.version).toBe(scheduled.version);

    const fired = fireTimers(scheduled, scheduleAt).state;
    expect(fired.job.status).toBe('waitingForActivation');
    expect(fired.job.scheduledAt).toBe(formatTimestamp(scheduleAt));
    expect(fired.job).not.toHaveProperty('enqueuedAt');
    expect(fired.version).toBe(scheduled.version + 1);
    // The schedule no longer counts once it fired: only the lifetime remains.
    expect(nextDeadline(fired)).toBe(fired.createdAt + JOB_LIFETIME_MS);
    // No automatic matching: advance does nothing.
    expect(advance(fired, scheduleAt + SECOND)).toBe(fired);

    const activatedAt = scheduleAt + 5 * MINUTE;
    const activated = upsert(fired, { matchingMode: { kind: 'queueAndMatch' }, priority: 100 }, activatedAt);
    expect(activated.created).toBe(false);
    expect(activated.state.job).toMatchObject({
      status: 'queued',
      matchingMode: { kind: 'queueAndMatch' },
      priority: 100,
      enqueuedAt: formatTimestamp(activatedAt),
      scheduledAt: formatTimestamp(scheduleAt),
    });
  });

  it('scheduledAt is the time the schedule actually fired', () => {
    const late = scheduleAt + 7 * SECOND;
    expect(fireTimers(scheduledJob(), late).state.job.scheduledAt).toBe(formatTimestamp(late));
  });

  it('a scheduled job with a classification policy (and no queue) is classified when activated', () => {
    const created = create({
      channelId: 'voice',
      classificationPolicyId: 'cp1',
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(scheduleAt).toISOString() },
    });
    expect(created.job.status).toBe('pendingSchedule');
    const fired = fireTimers(advance(created, NOW), scheduleAt).state;
    expect(fired.job.status).toBe('waitingForActivation');
    const activated = upsert(fired, { matchingMode: { kind: 'queueAndMatch' } }, scheduleAt + SECOND).state;
    expect(activated.job.status).toBe('pendingClassification');
    expect(activated.classificationRun).toBe(fired.classificationRun + 1);
  });

  it('a job with a queueId and a classification policy gets its classification when activated (priority from the policy)', () => {
    // Created with queueAndMatch, such a job is classified (queue kept, priority from the policy, §6.3); created
    // scheduled, it has never been classified when the client activates it.
    const fired = fireTimers(
      advance(
        create({
          channelId: 'voice',
          queueId: 'q1',
          classificationPolicyId: 'cp1',
          matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(scheduleAt).toISOString() },
        }),
        NOW,
      ),
      scheduleAt,
    ).state;
    const activated = upsert(fired, { matchingMode: { kind: 'queueAndMatch' } }, scheduleAt + SECOND).state;
    expect(activated.job.status).toBe('pendingClassification');
  });

  it('suspend: created straight into waitingForActivation; queueAndMatch queues it', () => {
    const parked = create({ channelId: 'voice', queueId: 'q1', matchingMode: { kind: 'suspend' } });
    expect(parked.job.status).toBe('waitingForActivation');
    expect(parked.job).not.toHaveProperty('enqueuedAt');
    expect(advance(parked, NOW + SECOND)).toBe(parked);
    const at = NOW + MINUTE;
    const queued = upsert(parked, { matchingMode: { kind: 'queueAndMatch' } }, at).state;
    expect(queued.job).toMatchObject({ status: 'queued', enqueuedAt: formatTimestamp(at) });
  });

  it('a queued job switched to suspend parks in waitingForActivation and its offers are revoked', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'), offer('o2', 'w2'));
    const result = upsert(offered, { matchingMode: { kind: 'suspend' } }, NOW + SECOND);
    expect(result.state.job.status).toBe('waitingForActivation');
    expect(result.state.job.matchingMode).toEqual({ kind: 'suspend' });
    expect(result.state.offers).toEqual([]);
    expect(result.ended).toEqual([
      { offerId: 'o1', workerId: 'w1', outcome: 'revoked' },
      { offerId: 'o2', workerId: 'w2', outcome: 'revoked' },
    ]);
    expect(result.released).toEqual([]);
  });
});

describe('updates that steer a job (spec §6.3)', () => {
  it('a label change on a classified queued job classifies it again and revokes its offers', () => {
    const queued = withOffers(classifiedJob(), offer('o1', 'w1'));
    expect(queued.job.status).toBe('queued');
    const result = upsert(queued, { labels: { tier: 'platinum' } }, NOW + SECOND);
    expect(result.state.job.status).toBe('pendingClassification');
    expect(result.state.classificationRun).toBe(queued.classificationRun + 1);
    expect(result.state.offers).toEqual([]);
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'revoked' }]);
  });

  it('a new classificationPolicyId classifies a queued job again', () => {
    const queued = classifiedJob();
    const result = upsert(queued, { classificationPolicyId: 'cp2' }, NOW + SECOND);
    expect(result.state.job.status).toBe('pendingClassification');
    expect(result.state.classificationRun).toBe(queued.classificationRun + 1);
  });

  it('tags are not identifying: a tag change keeps the job queued with its offers', () => {
    const queued = withOffers(classifiedJob(), offer('o1', 'w1'));
    const result = upsert(queued, { tags: { note: 'vip' } }, NOW + SECOND);
    expect(result.state.job.status).toBe('queued');
    expect(result.state.classificationRun).toBe(queued.classificationRun);
    expect(result.state.offers).toHaveLength(1);
    expect(result.ended).toEqual([]);
  });

  it('a queue change re-enqueues the job (new enqueuedAt) and revokes its offers', () => {
    const queued = withOffers(queuedJob(), offer('o1', 'w1'));
    const at = NOW + 5 * MINUTE;
    const result = upsert(queued, { queueId: 'q2' }, at);
    expect(result.state.job).toMatchObject({ status: 'queued', queueId: 'q2', enqueuedAt: formatTimestamp(at) });
    expect(result.state.offers).toEqual([]);
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'revoked' }]);
  });

  it('a priority change keeps the place in the queue (enqueuedAt) and the offers', () => {
    const queued = withOffers(queuedJob(), offer('o1', 'w1'));
    const result = upsert(queued, { priority: 50 }, NOW + 5 * MINUTE);
    expect(result.state.job).toMatchObject({ status: 'queued', priority: 50, enqueuedAt: queued.job.enqueuedAt });
    expect(result.state.offers).toHaveLength(1);
    expect(result.ended).toEqual([]);
  });

  it('a channel change revokes the offers (they were for the old channel)', () => {
    const queued = withOffers(queuedJob(), offer('o1', 'w1'));
    const result = upsert(queued, { channelId: 'chat' }, NOW + SECOND);
    expect(result.state.job.channelId).toBe('chat');
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'revoked' }]);
  });
});

describe('conditional upserts and versions (spec §6.1, §6.2)', () => {
  it('If-Match: the current ETag passes, a stale one is 412', () => {
    const v1 = queuedJob();
    expect(upsert(v1, { priority: 5 }, NOW + SECOND, { ifMatch: v1.etag }).state.job.priority).toBe(5);
    const v2 = upsert(v1, { priority: 5 }, NOW + SECOND).state;
    const error = refused(upsertJob(v2, { jobId: 'job-1', patch: { priority: 6 }, ifMatch: v1.etag }, NOW, newId));
    expect(error.code).toBe('preconditionFailed');
  });

  it('If-Match: * passes for an existing job and fails for a missing one; any ETag fails on a missing job', () => {
    const job = queuedJob();
    expect(upsert(job, { priority: 5 }, NOW + SECOND, { ifMatch: '*' }).state.job.priority).toBe(5);
    const star = upsertJob(
      undefined,
      { jobId: 'job-1', patch: { channelId: 'voice', queueId: 'q1' }, ifMatch: '*' },
      NOW,
      newId,
    );
    expect(refused(star).code).toBe('preconditionFailed');
    const tag = upsertJob(
      undefined,
      { jobId: 'job-1', patch: { channelId: 'voice', queueId: 'q1' }, ifMatch: job.etag },
      NOW,
      newId,
    );
    expect(refused(tag).code).toBe('preconditionFailed');
  });

  it('If-Unmodified-Since compares whole seconds (HTTP dates have no fraction)', () => {
    // Last modified at 21:05:00.123.
    const job = queuedJob();
    expect(job.updatedAt).toBe(NOW);
    const at = (since: number) => ({ ifUnmodifiedSince: httpDate(since) });
    expect(upsert(job, { priority: 5 }, NOW + SECOND, at(NOW)).state.job.priority).toBe(5);
    expect(upsert(job, { priority: 5 }, NOW + SECOND, at(NOW + HOUR)).state.job.priority).toBe(5);
    const error = refused(
      upsertJob(job, { jobId: 'job-1', patch: { priority: 5 }, ...at(NOW - SECOND) }, NOW + SECOND, newId),
    );
    expect(error.code).toBe('preconditionFailed');
  });

  it('a PATCH that changes nothing keeps the version, ETag and Last-Modified', () => {
    const job = withOffers(queuedJob(), offer('o1', 'w1'));
    const result = upsert(job, { channelId: 'voice', queueId: 'q1', labels: {} }, NOW + HOUR);
    expect(result.created).toBe(false);
    expect(result.state.version).toBe(job.version);
    expect(result.state.etag).toBe(job.etag);
    expect(result.state.updatedAt).toBe(job.updatedAt);
    expect(result.state.offers).toHaveLength(1);
    expect(result.ended).toEqual([]);
  });

  it('every change bumps the version and the ETag; an ETag never comes back for a later version', () => {
    const v1 = queuedJob();
    const v2 = upsert(v1, { priority: 7 }, NOW + SECOND).state;
    const v3 = upsert(v2, { priority: 1 }, NOW + 2 * SECOND).state;
    expect([v1.version, v2.version, v3.version]).toEqual([2, 3, 4]);
    expect(v3.job).toEqual(v1.job);
    expect(new Set([v1.etag, v2.etag, v3.etag]).size).toBe(3);
    expect(v3.updatedAt).toBe(NOW + 2 * SECOND);
    for (const etag of [v1.etag, v2.etag, v3.etag]) expect(etag).toMatch(/^".+"$/);
  });
});

describe('offers (spec §6.6)', () => {
  it('offers issued to a queued job are kept (once each)', () => {
    const queued = queuedJob();
    const first = offersIssued(queued, [offer('o1', 'w1')]);
    expect(first.state.offers).toEqual([offer('o1', 'w1')]);
    expect(first.ended).toEqual([]);
    const again = offersIssued(first.state, [offer('o1', 'w1'), offer('o2', 'w2')]);
    expect(again.state.offers.map((o) => o.offerId)).toEqual(['o1', 'o2']);
    // Offers are not part of the resource: no new version.
    expect(again.state.version).toBe(queued.version);
  });

  it('offers issued to a job that is no longer queued end at once as revoked', () => {
    const parked = create({ channelId: 'voice', queueId: 'q1', matchingMode: { kind: 'suspend' } });
    const result = offersIssued(parked, [offer('o1', 'w1')]);
    expect(result.state.offers).toEqual([]);
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'revoked' }]);
    const { state: assigned } = assignedJob();
    expect(offersIssued(assigned, [offer('o3', 'w3')]).ended).toEqual([
      { offerId: 'o3', workerId: 'w3', outcome: 'revoked' },
    ]);
  });

  it('accept assigns the job, revokes the other offers and remembers them as lost', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'), offer('o2', 'w2'), offer('o3', 'w3'));
    const at = NOW + 30 * SECOND;
    const result = ok(acceptOffer(offered, { workerId: 'w2', offerId: 'o2' }, at, () => 'assignment-1'));
    expect(result.assignmentId).toBe('assignment-1');
    expect(result.state.job.status).toBe('assigned');
    expect(result.state.job.assignments).toEqual({
      'assignment-1': { assignmentId: 'assignment-1', workerId: 'w2', assignedAt: formatTimestamp(at) },
    });
    expect(result.ended).toEqual([
      { offerId: 'o2', workerId: 'w2', outcome: 'accepted', assignmentId: 'assignment-1', assignedAt: at },
      { offerId: 'o1', workerId: 'w1', outcome: 'revoked' },
      { offerId: 'o3', workerId: 'w3', outcome: 'revoked' },
    ]);
    expect(result.released).toEqual([]);
    expect(result.state.offers).toEqual([]);
    expect(result.state.lostOffers).toEqual(expect.arrayContaining(['o1', 'o3']));
    expect(result.state.version).toBe(offered.version + 1);

    // A revoked offer that lost the race is 409; the accepted offer, again, and unknown offers are 404.
    expect(refused(acceptOffer(result.state, { workerId: 'w1', offerId: 'o1' }, at, newId)).code).toBe('conflict');
    expect(refused(acceptOffer(result.state, { workerId: 'w2', offerId: 'o2' }, at, newId)).code).toBe('notFound');
    expect(refused(acceptOffer(result.state, { workerId: 'w9', offerId: 'o9' }, at, newId)).code).toBe('notFound');
  });

  it('accept of an unknown offer, or of an offer held by another worker, is 404', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'));
    expect(refused(acceptOffer(offered, { workerId: 'w1', offerId: 'nope' }, NOW, newId)).code).toBe('notFound');
    expect(refused(acceptOffer(offered, { workerId: 'w2', offerId: 'o1' }, NOW, newId)).code).toBe('notFound');
  });

  it('accept of an expired offer is 404, even before its timer fired', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1', NOW + MINUTE));
    expect(ok(acceptOffer(offered, { workerId: 'w1', offerId: 'o1' }, NOW + MINUTE - 1, newId)).state.job.status).toBe(
      'assigned',
    );
    const error = refused(acceptOffer(offered, { workerId: 'w1', offerId: 'o1' }, NOW + MINUTE, newId));
    expect(error.code).toBe('notFound');
    expect(error.message).toContain('o1');
  });

  it('decline without retryOfferAt records the decline and ends the offer as declined', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'), offer('o2', 'w2'));
    const at = NOW + 10 * SECOND;
    const result = ok(declineOffer(offered, { workerId: 'w1', offerId: 'o1' }, at));
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'declined' }]);
    expect(result.released).toEqual([]);
    expect(result.state.offers.map((o) => o.offerId)).toEqual(['o2']);
    expect(result.state.declinedBy).toEqual({ w1: { declinedAt: at } });
    expect(result.state.declinedBy.w1).not.toHaveProperty('retryOfferAt');
    expect(result.state.job.status).toBe('queued');
  });

  it('decline with retryOfferAt records when the worker may be offered the job again', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'));
    const at = NOW + 10 * SECOND;
    const result = ok(declineOffer(offered, { workerId: 'w1', offerId: 'o1', retryOfferAt: NOW + HOUR }, at));
    expect(result.state.declinedBy).toEqual({ w1: { declinedAt: at, retryOfferAt: NOW + HOUR } });
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'declined' }]);
  });

  it('decline of an unknown or already accepted offer is 404', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'));
    expect(refused(declineOffer(offered, { workerId: 'w1', offerId: 'o9' }, NOW)).code).toBe('notFound');
    expect(refused(declineOffer(offered, { workerId: 'w2', offerId: 'o1' }, NOW)).code).toBe('notFound');
    const { state: assigned } = assignedJob();
    expect(refused(declineOffer(assigned, { workerId: 'w1', offerId: 'o1' }, NOW)).code).toBe('notFound');
  });

  it('revokeOffers ends exactly the named offers as revoked', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'), offer('o2', 'w2'));
    const result = revokeOffers(offered, ['o2', 'unknown']);
    expect(result.ended).toEqual([{ offerId: 'o2', workerId: 'w2', outcome: 'revoked' }]);
    expect(result.state.offers.map((o) => o.offerId)).toEqual(['o1']);
    expect(result.released).toEqual([]);
    expect(result.state.job.status).toBe('queued');
    // A revoked (not lost) offer is simply unknown afterwards.
    expect(refused(acceptOffer(result.state, { workerId: 'w2', offerId: 'o2' }, NOW, newId)).code).toBe('notFound');
  });
});

describe(':cancel (spec §6.3)', () => {
  it('cancels a queued job: default dispositionCode, offers revoked, nothing released', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1'));
    const result = ok(cancelJob(offered, {}, NOW + SECOND));
    expect(result.state.job.status).toBe('cancelled');
    expect(result.state.job.dispositionCode).toBe('Cancelled');
    expect(result.state.job.notes).toEqual([]);
    expect(result.state.offers).toEqual([]);
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'revoked' }]);
    expect(result.released).toEqual([]);
    expect(result.state.version).toBe(offered.version + 1);
  });

  it('appends the note and keeps a supplied dispositionCode', () => {
    const at = NOW + SECOND;
    const result = ok(cancelJob(queuedJob(), { note: 'caller hung up', dispositionCode: 'Abandoned' }, at));
    expect(result.state.job.dispositionCode).toBe('Abandoned');
    expect(result.state.job.notes).toEqual([{ message: 'caller hung up', addedAt: formatTimestamp(at) }]);
  });

  it('cancelling an assigned job releases the assignment', () => {
    const { state } = assignedJob();
    const result = ok(cancelJob(state, {}, NOW + MINUTE));
    expect(result.state.job.status).toBe('cancelled');
    expect(result.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
  });

  it('cancelling a job that is closing drops the pending close and releases the assignment', () => {
    const closing = ok(closeJob(completedJob(), { assignmentId: 'a1', closeAt: NOW + HOUR }, NOW + 2 * MINUTE));
    const result = ok(cancelJob(closing.state, {}, NOW + 3 * MINUTE));
    expect(result.state.job.status).toBe('cancelled');
    expect(result.state.pendingClose).toBeUndefined();
    expect(result.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
  });

  it('a cancelled or closed job cannot be cancelled (409)', () => {
    const cancelled = ok(cancelJob(queuedJob(), {}, NOW)).state;
    expect(refused(cancelJob(cancelled, {}, NOW + SECOND)).code).toBe('conflict');
    const closed = ok(closeJob(completedJob(), { assignmentId: 'a1' }, NOW + 2 * MINUTE)).state;
    expect(refused(cancelJob(closed, {}, NOW + 3 * MINUTE)).code).toBe('conflict');
  });
});

describe(':complete and :close (spec §6.3)', () => {
  it('complete: assigned → completed with completedAt; capacity stays held', () => {
    const { state } = assignedJob();
    const at = NOW + MINUTE;
    const result = ok(completeJob(state, { assignmentId: 'a1', note: 'done' }, at));
    expect(result.state.job.status).toBe('completed');
    expect(result.state.job.assignments.a1).toEqual({
      assignmentId: 'a1',
      workerId: 'w1',
      assignedAt: formatTimestamp(NOW + SECOND),
      completedAt: formatTimestamp(at),
    });
    expect(result.state.job.notes).toEqual([{ message: 'done', addedAt: formatTimestamp(at) }]);
    expect(result.released).toEqual([]);
    expect(result.ended).toEqual([]);
  });

  it('complete of an unknown assignment is 404; of a job that is not assigned, 409', () => {
    const { state } = assignedJob();
    expect(refused(completeJob(state, { assignmentId: 'nope' }, NOW)).code).toBe('notFound');
    expect(refused(completeJob(queuedJob(), { assignmentId: 'a1' }, NOW)).code).toBe('notFound');
    expect(refused(completeJob(completedJob(), { assignmentId: 'a1' }, NOW + 2 * MINUTE)).code).toBe('conflict');
  });

  it('close now: closed, default dispositionCode "Closed", closedAt set, assignment released', () => {
    const at = NOW + 2 * MINUTE;
    const result = ok(closeJob(completedJob(), { assignmentId: 'a1' }, at));
    expect(result.state.job.status).toBe('closed');
    expect(result.state.job.dispositionCode).toBe('Closed');
    expect(result.state.job.assignments.a1).toMatchObject({
      completedAt: formatTimestamp(NOW + MINUTE),
      closedAt: formatTimestamp(at),
    });
    expect(result.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
    expect(result.state.pendingClose).toBeUndefined();
  });

  it('close with a dispositionCode and a note', () => {
    const at = NOW + 2 * MINUTE;
    const result = ok(closeJob(completedJob(), { assignmentId: 'a1', dispositionCode: 'Sold', note: 'wrap-up' }, at));
    expect(result.state.job.dispositionCode).toBe('Sold');
    expect(result.state.job.notes).toEqual([{ message: 'wrap-up', addedAt: formatTimestamp(at) }]);
  });

  it('close with a closeAt not in the future closes at once', () => {
    const at = NOW + 2 * MINUTE;
    const result = ok(closeJob(completedJob(), { assignmentId: 'a1', closeAt: at }, at));
    expect(result.state.job.status).toBe('closed');
    expect(result.state.pendingClose).toBeUndefined();
    expect(result.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
  });

  it('close with a future closeAt waits: status unchanged, nothing released until the timer fires', () => {
    const completed = completedJob();
    const closeAt = NOW + HOUR;
    const pending = ok(
      closeJob(completed, { assignmentId: 'a1', closeAt, dispositionCode: 'Later', note: 'n' }, NOW + 2 * MINUTE),
    );
    expect(pending.state.job.status).toBe('completed');
    expect(pending.state.job.assignments.a1).not.toHaveProperty('closedAt');
    expect(pending.released).toEqual([]);
    expect(pending.state.pendingClose).toEqual({ assignmentId: 'a1', closeAt, dispositionCode: 'Later', note: 'n' });
    expect(nextDeadline(pending.state)).toBe(closeAt);

    // A second close while one is pending is 409.
    expect(refused(closeJob(pending.state, { assignmentId: 'a1' }, NOW + 3 * MINUTE)).code).toBe('conflict');

    const early = fireTimers(pending.state, closeAt - 1);
    expect(early.state.job.status).toBe('completed');
    expect(early.released).toEqual([]);

    const fired = fireTimers(pending.state, closeAt);
    expect(fired.state.job.status).toBe('closed');
    expect(fired.state.job.dispositionCode).toBe('Later');
    expect(fired.state.job.assignments.a1).toMatchObject({ closedAt: formatTimestamp(closeAt) });
    expect(fired.state.job.notes).toEqual([{ message: 'n', addedAt: formatTimestamp(closeAt) }]);
    expect(fired.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
    expect(fired.state.pendingClose).toBeUndefined();
    expect(fired.state.version).toBe(pending.state.version + 1);
    expect(nextDeadline(fired.state)).toBe(fired.state.createdAt + JOB_LIFETIME_MS);
  });

  it('close of an unknown assignment is 404; of a closed or queued-with-assignment job, 409', () => {
    expect(refused(closeJob(completedJob(), { assignmentId: 'nope' }, NOW)).code).toBe('notFound');
    const closed = ok(closeJob(completedJob(), { assignmentId: 'a1' }, NOW + 2 * MINUTE)).state;
    expect(refused(closeJob(closed, { assignmentId: 'a1' }, NOW + 3 * MINUTE)).code).toBe('conflict');
    const cancelled = ok(cancelJob(assignedJob().state, {}, NOW + MINUTE)).state;
    expect(refused(closeJob(cancelled, { assignmentId: 'a1' }, NOW + 2 * MINUTE)).code).toBe('conflict');
  });
});

describe(':unassign (spec §6.3, §3.7)', () => {
  it('refuses an assigned job that is closing at a future closeAt (its close would end the next assignment)', () => {
    const { state } = assignedJob();
    const closing = ok(closeJob(state, { assignmentId: 'a1', closeAt: NOW + HOUR }, NOW + MINUTE)).state;
    expect(closing.job.status).toBe('assigned');
    expect(refused(unassignJob(closing, { assignmentId: 'a1' }, NOW + 2 * MINUTE))).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('closing'),
    });
  });

  it('returns the job to the queue with a new enqueuedAt and releases the assignment', () => {
    const { state } = assignedJob();
    const at = NOW + 2 * MINUTE;
    const result = ok(unassignJob(state, { assignmentId: 'a1' }, at));
    expect(result.unassignmentCount).toBe(1);
    expect(result.state.unassignmentCount).toBe(1);
    expect(result.state.job.status).toBe('queued');
    expect(result.state.job.enqueuedAt).toBe(formatTimestamp(at));
    expect(result.state.job.assignments).toEqual({});
    expect(result.state.job.matchingMode).toEqual({ kind: 'queueAndMatch' });
    expect(result.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
    expect(result.ended).toEqual([]);
  });

  it('suspendMatching parks the job: waitingForActivation with matchingMode suspend', () => {
    const { state } = assignedJob();
    const result = ok(unassignJob(state, { assignmentId: 'a1', suspendMatching: true }, NOW + 2 * MINUTE));
    expect(result.state.job.status).toBe('waitingForActivation');
    expect(result.state.job.matchingMode).toEqual({ kind: 'suspend' });
    expect(result.state.job.assignments).toEqual({});
    expect(result.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
    // Activating it again queues it.
    const activated = upsert(result.state, { matchingMode: { kind: 'queueAndMatch' } }, NOW + HOUR).state;
    expect(activated.job.status).toBe('queued');
  });

  it('counts unassignments and refuses the fourth (409)', () => {
    let state = queuedJob();
    let at = NOW;
    for (let round = 1; round <= 4; round++) {
      at += MINUTE;
      state = withOffers(state, offer(`o${round}`, 'w1', at + MINUTE));
      const accepted = ok(acceptOffer(state, { workerId: 'w1', offerId: `o${round}` }, at, () => `a${round}`));
      state = accepted.state;
      const outcome = unassignJob(state, { assignmentId: `a${round}` }, at + 1);
      if (round <= 3) {
        const result = ok(outcome);
        expect(result.unassignmentCount).toBe(round);
        state = result.state;
      } else {
        expect(refused(outcome).code).toBe('conflict');
        expect(state.unassignmentCount).toBe(3);
      }
    }
  });

  it('unassign of an unknown assignment is 404; of a completed job, 409', () => {
    expect(refused(unassignJob(assignedJob().state, { assignmentId: 'nope' }, NOW)).code).toBe('notFound');
    expect(refused(unassignJob(completedJob(), { assignmentId: 'a1' }, NOW + 2 * MINUTE)).code).toBe('conflict');
  });
});

describe(':reclassify (spec §6.3)', () => {
  it('a job without a classification policy cannot be reclassified (400)', () => {
    const error = refused(reclassifyJob(queuedJob(), NOW));
    expect(error.code).toBe('validationFailed');
    expect(error.errors).toEqual([expect.objectContaining({ field: 'classificationPolicyId' })]);
  });

  it('an assigned job cannot be reclassified (409)', () => {
    const offered = withOffers(classifiedJob(), offer('o1', 'w1'));
    const assigned = ok(acceptOffer(offered, { workerId: 'w1', offerId: 'o1' }, NOW + SECOND, newId)).state;
    expect(refused(reclassifyJob(assigned, NOW + MINUTE)).code).toBe('conflict');
  });

  it('a queued job goes back to pendingClassification with a new run; its offers are revoked', () => {
    const offered = withOffers(classifiedJob(), offer('o1', 'w1'));
    const result = ok(reclassifyJob(offered, NOW + SECOND));
    expect(result.state.job.status).toBe('pendingClassification');
    expect(result.state.classificationRun).toBe(offered.classificationRun + 1);
    expect(result.state.offers).toEqual([]);
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'revoked' }]);
    expect(result.state.version).toBe(offered.version + 1);
  });

  it('a classificationFailed job can be reclassified', () => {
    const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1' });
    const failed = classified(pending, pending.classificationRun, { ok: false, reason: 'x' }, NOW);
    const result = ok(reclassifyJob(failed, NOW + SECOND));
    expect(result.state.job.status).toBe('pendingClassification');
    expect(result.state.classificationRun).toBe(failed.classificationRun + 1);
  });
});

describe('DELETE (spec §6.3)', () => {
  it('an active job cannot be deleted (409)', () => {
    expect(refused(deleteJob(queuedJob())).code).toBe('conflict');
    expect(refused(deleteJob(assignedJob().state)).code).toBe('conflict');
    expect(refused(deleteJob(completedJob())).code).toBe('conflict');
  });

  it('a cancelled job is deleted; afterwards it is gone for upserts too', () => {
    const cancelled = ok(cancelJob(queuedJob(), {}, NOW + SECOND)).state;
    const result = ok(deleteJob(cancelled));
    expect(result.state.deleted).toBe(true);
    expect(result.state.offers).toEqual([]);
    expect(refused(upsertJob(result.state, { jobId: 'job-1', patch: { priority: 2 } }, NOW, newId)).code).toBe(
      'notFound',
    );
  });

  it('a closed job is deleted without releasing its (already released) assignment again', () => {
    const closed = ok(closeJob(completedJob(), { assignmentId: 'a1' }, NOW + 2 * MINUTE)).state;
    const result = ok(deleteJob(closed));
    expect(result.state.deleted).toBe(true);
    expect(result.released).toEqual([]);
    expect(result.ended).toEqual([]);
  });
});

describe('timers (spec §3.8, §6.3, §6.6, §6.9)', () => {
  it('nextDeadline is the 90-day lifetime when nothing else is pending', () => {
    const job = queuedJob();
    expect(JOB_LIFETIME_MS).toBe(90 * DAY);
    expect(nextDeadline(job)).toBe(NOW + 90 * DAY);
  });

  it('nextDeadline picks the earliest of offer expiry, selector expiry, scheduleAt and closeAt', () => {
    // Requested selector expiring in 60 s.
    const withSelector = queuedJob(NOW, { requestedWorkerSelectors: [selector('Id', 'w1', 60)] });
    expect(withSelector.job.requestedWorkerSelectors[0]).toMatchObject({
      status: 'active',
      expiresAt: formatTimestamp(NOW + MINUTE),
    });
    expect(nextDeadline(withSelector)).toBe(NOW + MINUTE);
    // An offer expiring sooner wins.
    expect(nextDeadline(withOffers(withSelector, offer('o1', 'w1', NOW + 20 * SECOND)))).toBe(NOW + 20 * SECOND);
    // …and a later one does not.
    expect(nextDeadline(withOffers(withSelector, offer('o1', 'w1', NOW + HOUR)))).toBe(NOW + MINUTE);

    // Attached selector from classification.
    const pending = create({ channelId: 'voice', classificationPolicyId: 'cp1' });
    const attached = classified(
      pending,
      pending.classificationRun,
      {
        ok: true,
        queueId: 'q1',
        attachedWorkerSelectors: [
          {
            key: 'k',
            labelOperator: 'equal',
            value: 1,
            status: 'active',
            expiresAt: formatTimestamp(NOW + 45 * SECOND),
          },
        ],
      },
      NOW,
    );
    expect(nextDeadline(attached)).toBe(NOW + 45 * SECOND);

    // scheduleAt.
    const scheduled = create({
      channelId: 'voice',
      queueId: 'q1',
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(NOW + 2 * HOUR).toISOString() },
    });
    expect(nextDeadline(scheduled)).toBe(NOW + 2 * HOUR);
    expect(nextDeadline(advance(scheduled, NOW))).toBe(NOW + 2 * HOUR);

    // closeAt.
    const closing = ok(closeJob(completedJob(), { assignmentId: 'a1', closeAt: NOW + 3 * HOUR }, NOW + 2 * MINUTE));
    expect(nextDeadline(closing.state)).toBe(NOW + 3 * HOUR);
  });

  it('fireTimers expires due offers (ended as expired) and keeps the others', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1', NOW + 20 * SECOND), offer('o2', 'w2', NOW + HOUR));
    const result = fireTimers(offered, NOW + 20 * SECOND);
    expect(result.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'expired' }]);
    expect(result.state.offers.map((o) => o.offerId)).toEqual(['o2']);
    expect(result.state.job.status).toBe('queued');
    expect(result.released).toEqual([]);
    expect(nextDeadline(result.state)).toBe(NOW + HOUR);
  });

  it('fireTimers marks due selectors expired (requested and attached); they stop counting as deadlines', () => {
    const pending = create({
      channelId: 'voice',
      classificationPolicyId: 'cp1',
      requestedWorkerSelectors: [selector('Id', 'w1', 60), selector('skill', 'fr')],
    });
    const job = classified(
      pending,
      pending.classificationRun,
      {
        ok: true,
        queueId: 'q1',
        attachedWorkerSelectors: [
          {
            key: 'k',
            labelOperator: 'equal',
            value: 1,
            status: 'active',
            expiresAt: formatTimestamp(NOW + 2 * MINUTE),
          },
        ],
      },
      NOW,
    );
    const first = fireTimers(job, NOW + MINUTE).state;
    expect(first.job.requestedWorkerSelectors.map((s) => s.status)).toEqual(['expired', undefined]);
    expect(first.job.attachedWorkerSelectors[0]?.status).toBe('active');
    expect(first.version).toBe(job.version + 1);
    expect(nextDeadline(first)).toBe(NOW + 2 * MINUTE);

    const second = fireTimers(first, NOW + 2 * MINUTE).state;
    expect(second.job.attachedWorkerSelectors[0]?.status).toBe('expired');
    expect(nextDeadline(second)).toBe(second.createdAt + JOB_LIFETIME_MS);
    // Nothing due: the same version.
    expect(fireTimers(second, NOW + 3 * MINUTE).state.version).toBe(second.version);
  });

  it('after 90 days the job is deleted: offers revoked, assignments released', () => {
    const offered = withOffers(queuedJob(), offer('o1', 'w1', NOW + 100 * DAY));
    const early = fireTimers(offered, NOW + JOB_LIFETIME_MS - 1);
    expect(early.state.deleted).toBe(false);
    const expired = fireTimers(offered, NOW + JOB_LIFETIME_MS);
    expect(expired.state.deleted).toBe(true);
    expect(expired.state.offers).toEqual([]);
    expect(expired.ended).toEqual([{ offerId: 'o1', workerId: 'w1', outcome: 'revoked' }]);

    const assigned = fireTimers(assignedJob().state, NOW + JOB_LIFETIME_MS);
    expect(assigned.state.deleted).toBe(true);
    expect(assigned.released).toEqual([{ assignmentId: 'a1', workerId: 'w1' }]);
  });
});
