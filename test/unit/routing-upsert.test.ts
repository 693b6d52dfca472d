import { upsertResource, type MergePatch, type UpsertContext } from '../../domain/routing/upsert';
import type { RouterJob, RouterJobInput, RouterResourceKind, RouterResourceTypes } from '../../domain/routing/models';
import { computeEtag } from '../../domain/routing/wire';

const NOW = Date.parse('2026-11-29T21:05:00.123Z');
const LATER = NOW + 60_000;
let counter = 0;
const context = (id: string, now = NOW): UpsertContext => ({ id, now, newId: () => `generated-${++counter}` });

function upsert<K extends RouterResourceKind>(
  kind: K,
  previous: RouterResourceTypes[K] | undefined,
  body: unknown,
  now = NOW,
): { resource: RouterResourceTypes[K]; changed: boolean; created: boolean } {
  const outcome = upsertResource(kind, previous, body, context('id', now));
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome;
}

const JOB = { channelId: 'voice', queueId: 'q', labels: { A: 1, B: 'b', C: true }, tags: { t: 'x' } };

describe('merge patch upsert (spec §6.1)', () => {
  const job = upsert('jobs', undefined, JOB).resource;

  it('absent members are unchanged, a new id is created, an existing one updated', () => {
    const first = upsert('jobs', undefined, JOB);
    expect(first).toMatchObject({ created: true, changed: true });
    const next = upsert('jobs', job, { channelReference: 'call-1' });
    expect(next).toMatchObject({ created: false, changed: true });
    expect(next.resource).toEqual({ ...job, channelReference: 'call-1' });
  });

  it('labels and tags merge per key; null deletes a key; {} is a no-op', () => {
    const next = upsert('jobs', job, { labels: { A: null, C: 'x', D: 4 }, tags: { u: false } }).resource;
    expect(next.labels).toEqual({ B: 'b', C: 'x', D: 4 });
    expect(next.tags).toEqual({ t: 'x', u: false });
    expect(upsert('jobs', job, { labels: {} })).toMatchObject({ changed: false, resource: job });
  });

  it('the NETREC UpdateJobTest sequence leaves exactly Label_3 and Label_4', () => {
    const base = upsert('jobs', undefined, {
      ...JOB,
      labels: { Label_1: 'Value_1', Label_2: 'Value_2', Label_3: 'Value_3' },
    }).resource;
    const next = upsert('jobs', base, {
      labels: { Label_1: null, Label_2: null, Label_3: 'Value_Updated_3', Label_4: 'Value_4' },
    }).resource;
    expect(next.labels).toEqual({ Label_3: 'Value_Updated_3', Label_4: 'Value_4' });
  });

  it('null resets: priority → 1, tags → {}, dispositionCode removed', () => {
    const withValues = upsert('jobs', job, { priority: 50, dispositionCode: 'Sold' }).resource;
    const reset = upsert('jobs', withValues, { priority: null, tags: null, dispositionCode: null }).resource;
    expect(reset.priority).toBe(1);
    expect(reset.tags).toEqual({});
    expect(reset).not.toHaveProperty('dispositionCode');
  });

  it('arrays are replaced whole, never merged element-wise', () => {
    const worker = upsert('workers', undefined, {
      capacity: 10,
      queues: ['a', 'b'],
      channels: [
        { channelId: 'voice', capacityCostPerJob: 10 },
        { channelId: 'chat', capacityCostPerJob: 1 },
      ],
    }).resource;
    const next = upsert('workers', worker, {
      queues: ['c'],
      channels: [{ channelId: 'email', capacityCostPerJob: 2 }],
    });
    expect(next.resource.queues).toEqual(['c']);
    expect(next.resource.channels).toEqual([{ channelId: 'email', capacityCostPerJob: 2 }]);
    expect(upsert('workers', worker, { queues: [] }).resource.queues).toEqual([]);
  });

  it('a union patched in place keeps its other members; a new kind drops the old variant’s members', () => {
    const policy = upsert('distributionPolicies', undefined, {
      offerExpiresAfterSeconds: 30,
      mode: { kind: 'bestWorker', maxConcurrentOffers: 3, scoringRule: { kind: 'static', value: 1 } },
    }).resource;
    const patched = upsert('distributionPolicies', policy, { mode: { minConcurrentOffers: 2 } }).resource;
    expect(patched.mode).toMatchObject({ kind: 'bestWorker', minConcurrentOffers: 2, maxConcurrentOffers: 3 });
    const switched = upsert('distributionPolicies', policy, { mode: { kind: 'longest-idle' } }).resource;
    expect(switched.mode).toEqual({
      kind: 'longestIdle',
      minConcurrentOffers: 1,
      maxConcurrentOffers: 3,
      bypassSelectors: false,
    });
    const scheduled = upsert('jobs', job, {
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: '2030-01-01T00:00:00Z' },
    });
    expect(
      upsert('jobs', scheduled.resource, { matchingMode: { kind: 'queueAndMatch' } }).resource.matchingMode,
    ).toEqual({
      kind: 'queueAndMatch',
    });
  });

  it('validates the result, so a patch that breaks the resource is refused with the field named', () => {
    const policy = upsert('distributionPolicies', undefined, {
      offerExpiresAfterSeconds: 30,
      mode: { kind: 'longestIdle' },
    }).resource;
    const outcome = upsertResource('distributionPolicies', policy, { mode: { minConcurrentOffers: 5 } }, context('id'));
    expect(outcome).toMatchObject({ ok: false, error: { errors: [{ field: 'mode.minConcurrentOffers' }] } });
    const removed = upsertResource('distributionPolicies', policy, { mode: null }, context('id'));
    expect(removed).toMatchObject({ ok: false, error: { errors: [{ field: 'mode', message: 'is required' }] } });
    const stillValid = upsertResource('jobs', job, { queueId: null }, context('id'));
    expect(stillValid).toMatchObject({ ok: false, error: { errors: [{ field: 'queueId' }] } });
  });

  it('typed patches: MergePatch<RouterJobInput> allows null on every member', () => {
    const patch: MergePatch<RouterJobInput> = {
      priority: null,
      labels: { A: null },
      matchingMode: { kind: 'suspend' },
    };
    expect(upsert('jobs', job, patch).resource).toMatchObject({ priority: 1, matchingMode: { kind: 'suspend' } });
  });
});

describe('unchanged detection (a no-op PATCH keeps the ETag)', () => {
  const job = upsert('jobs', undefined, {
    ...JOB,
    notes: [{ message: 'first' }],
    requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'w1', expiresAfterSeconds: 30 }],
    matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: '2030-01-01T10:00:00.5+01:00' },
  }).resource;

  it.each([
    ['an empty body', {}],
    ['the same values', { channelId: 'voice', priority: 1, labels: { A: 1 } }],
    ['read-only members only', { status: 'closed', id: 'other', etag: '"x"' }],
    ['a kebab alias of the same kind', { matchingMode: { kind: 'schedule-and-suspend' } }],
    ['the same instant in another offset', { matchingMode: { scheduleAt: '2030-01-01T09:00:00.5000000Z' } }],
    ['the same notes without addedAt', { notes: [{ message: 'first' }] }],
    [
      'the same selectors again',
      { requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'w1', expiresAfterSeconds: 30 }] },
    ],
  ])('%s', (_name, body) => {
    const outcome = upsert('jobs', job, body, LATER);
    expect(outcome.changed).toBe(false);
    expect(computeEtag(outcome.resource)).toBe(computeEtag(job));
  });

  it('a real change changes the ETag', () => {
    const outcome = upsert('jobs', job, { labels: { A: 2 } });
    expect(outcome.changed).toBe(true);
    expect(computeEtag(outcome.resource)).not.toBe(computeEtag(job));
  });

  it('exception action ids survive an identical resend', () => {
    const body = {
      exceptionRules: [{ id: 'r', trigger: { kind: 'waitTime', thresholdSeconds: 5 }, actions: [{ kind: 'cancel' }] }],
    };
    const policy = upsert('exceptionPolicies', undefined, body).resource;
    const again = upsert('exceptionPolicies', policy, body);
    expect(again.changed).toBe(false);
    const edited = upsert('exceptionPolicies', policy, {
      exceptionRules: [
        { id: 'r', trigger: { kind: 'waitTime', thresholdSeconds: 5 }, actions: [{ kind: 'cancel', note: 'n' }] },
      ],
    }).resource;
    expect(edited.exceptionRules[0]?.actions[0]?.id).not.toBe(policy.exceptionRules[0]?.actions[0]?.id);
  });
});

describe('server-assigned values', () => {
  it('notes get addedAt = now unless given; selectors with expiresAfterSeconds get expiresAt and status', () => {
    const job: RouterJob = upsert('jobs', undefined, {
      ...JOB,
      notes: [{ message: 'a' }, { message: 'b', addedAt: '2026-01-01T00:00:00Z' }],
      requestedWorkerSelectors: [
        { key: 'Id', labelOperator: 'equal', value: 'w1', expiresAfterSeconds: 30 },
        { key: 'Skill', labelOperator: 'greaterThan', value: 5 },
      ],
    }).resource;
    expect(job.notes).toEqual([
      { message: 'a', addedAt: '2026-11-29T21:05:00.1230000+00:00' },
      { message: 'b', addedAt: '2026-01-01T00:00:00.0000000+00:00' },
    ]);
    expect(job.requestedWorkerSelectors).toEqual([
      {
        key: 'Id',
        labelOperator: 'equal',
        value: 'w1',
        expiresAfterSeconds: 30,
        status: 'active',
        expiresAt: '2026-11-29T21:05:30.1230000+00:00',
      },
      { key: 'Skill', labelOperator: 'greaterThan', value: 5 },
    ]);
    // A changed selector list restarts the clock; a patch without the list keeps the stored expiry.
    const later = upsert(
      'jobs',
      job,
      { requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'w2', expiresAfterSeconds: 30 }] },
      LATER,
    );
    expect(later.resource.requestedWorkerSelectors[0]?.expiresAt).toBe('2026-11-29T21:06:30.1230000+00:00');
    const untouched = upsert(
      'jobs',
      {
        ...job,
        requestedWorkerSelectors: [
          { ...job.requestedWorkerSelectors[0], key: 'Id', labelOperator: 'equal', status: 'expired' },
        ],
      },
      { priority: 3 },
      LATER,
    );
    expect(untouched.resource.requestedWorkerSelectors[0]?.status).toBe('expired');
  });

  it('labels.Id cannot be removed from a worker or queue', () => {
    const worker = upsert('workers', undefined, { capacity: 1 }).resource;
    expect(worker.labels).toEqual({ Id: 'id' });
    expect(upsert('workers', worker, { labels: { Id: null } })).toMatchObject({
      changed: false,
      resource: { labels: { Id: 'id' } },
    });
    expect(upsert('workers', worker, { tags: null, labels: null }).resource).toMatchObject({
      tags: {},
      labels: { Id: 'id' },
    });
  });
});
