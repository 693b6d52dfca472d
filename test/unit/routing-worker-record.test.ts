import type { Outcome, RouterFailure } from '../../domain/routing/job-lifecycle';
import type { HeldAssignment, HeldOffer } from '../../domain/routing/matching';
import type { RouterWorkerRecord } from '../../domain/routing/messages';
import {
  freeChannels,
  upsertWorkerRecord,
  withHoldings,
  workerSummary,
  workerView,
  type WorkerUpsert,
  type WorkerUpsertRequest,
} from '../../domain/routing/worker-record';
import { formatTimestamp, httpDate } from '../../domain/routing/wire';

/** A worker as the tenant router keeps it (spec §3.6, §6.5): upsert, registration, holdings and its wire view. */

const NOW = Date.parse('2026-11-29T21:05:00.123Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const WIRE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00$/;

function ok<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

function refused<T>(outcome: Outcome<T>): RouterFailure {
  if (outcome.ok) throw new Error('expected a refusal, the upsert succeeded');
  return outcome.error;
}

const BASE = {
  capacity: 10,
  queues: ['q1'],
  channels: [{ channelId: 'voice', capacityCostPerJob: 10 }],
  labels: { skill: 'fr' },
};

function upsert(
  previous: RouterWorkerRecord | undefined,
  patch: unknown,
  now = NOW,
  conditions: Omit<WorkerUpsertRequest, 'workerId' | 'patch'> = {},
): WorkerUpsert {
  return ok(upsertWorkerRecord(previous, { workerId: 'w1', patch, ...conditions }, now));
}

const create = (patch: unknown = BASE, now = NOW): RouterWorkerRecord => upsert(undefined, patch, now).record;

const heldOffer = (offerId: string, channelId: string, capacityCost: number): HeldOffer => ({
  offerId,
  jobId: `job-${offerId}`,
  channelId,
  capacityCost,
  offeredAt: NOW,
  expiresAt: NOW + 10 * MINUTE,
});

const heldAssignment = (assignmentId: string, channelId: string, capacityCost: number): HeldAssignment => ({
  assignmentId,
  jobId: `job-${assignmentId}`,
  channelId,
  capacityCost,
  assignedAt: NOW + SECOND,
});

describe('upsertWorkerRecord: create (spec §3.6, §6.5)', () => {
  it('creates version 1, inactive until availableForOffers, with the auto-added Id label', () => {
    const result = upsert(undefined, BASE);
    expect(result.created).toBe(true);
    expect(result.deregistered).toBe(false);
    const { record } = result;
    expect(record).toMatchObject({
      version: 1,
      updatedAt: NOW,
      offers: [],
      assignments: [],
      availableSince: NOW,
      registeredAt: 0,
    });
    expect(record.etag).toMatch(/^".+"$/);
    expect(record.resource.id).toBe('w1');
    expect(record.resource.labels).toEqual({ skill: 'fr', Id: 'w1' });
    expect(record.resource.availableForOffers).toBe(false);
    expect(record.resource.tags).toEqual({});
    expect(workerView(record).resource.state).toBe('inactive');
  });

  it('a worker created availableForOffers is registered at once (active)', () => {
    const record = create({ ...BASE, availableForOffers: true });
    expect(record.registeredAt).toBe(NOW);
    expect(record.availableSince).toBe(NOW);
    expect(workerView(record).resource.state).toBe('active');
  });

  it('the Id label cannot be changed or removed by the client', () => {
    const record = create({ ...BASE, labels: { Id: 'someone-else' } });
    expect(record.resource.labels.Id).toBe('w1');
    const removed = upsert(record, { labels: { Id: null } }, NOW + SECOND);
    expect(removed.record.resource.labels.Id).toBe('w1');
  });

  it('an invalid worker is refused with validationFailed', () => {
    const error = refused(upsertWorkerRecord(undefined, { workerId: 'w1', patch: { queues: ['q1'] } }, NOW));
    expect(error.code).toBe('validationFailed');
    expect(error.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'capacity' })]));
  });

  it('read-only members in the body are ignored (state, offers, loadRatio)', () => {
    const record = create({ ...BASE, state: 'active', offers: [{ offerId: 'x' }], loadRatio: 1 });
    const { resource } = workerView(record);
    expect(resource.state).toBe('inactive');
    expect(resource.offers).toEqual([]);
    expect(resource.loadRatio).toBe(0);
  });
});

describe('upsertWorkerRecord: updates, registration and preconditions (spec §6.1, §6.2, §6.5)', () => {
  it('a PATCH that changes nothing returns the previous record itself', () => {
    const record = create();
    for (const patch of [BASE, {}, { labels: {} }, { labels: { Id: 'w1' } }]) {
      const result = upsert(record, patch, NOW + MINUTE);
      expect(result.record).toBe(record);
      expect(result.created).toBe(false);
      expect(result.deregistered).toBe(false);
    }
  });

  it('a change bumps the version and the ETag and sets Last-Modified', () => {
    const v1 = create();
    const v2 = upsert(v1, { capacity: 20 }, NOW + MINUTE).record;
    expect(v2.version).toBe(2);
    expect(v2.etag).not.toBe(v1.etag);
    expect(v2.updatedAt).toBe(NOW + MINUTE);
    expect(v2.resource.capacity).toBe(20);
    // Not a registration: the registration and idle times are unchanged.
    expect(v2.registeredAt).toBe(v1.registeredAt);
    expect(v2.availableSince).toBe(v1.availableSince);
    const v3 = upsert(v2, { capacity: 10 }, NOW + 2 * MINUTE).record;
    expect(v3.resource).toEqual(v1.resource);
    expect(new Set([v1.etag, v2.etag, v3.etag]).size).toBe(3);
  });

  it('a worker created again after deletion does not reuse an ETag of its earlier life', () => {
    // The router forgets a deleted worker; the next PATCH creates it anew. A client still holding the first
    // worker's ETag must not pass If-Match against a different resource.
    const first = create({ ...BASE, capacity: 1 });
    const second = create({ ...BASE, capacity: 5 }, NOW + MINUTE);
    expect(second.resource).not.toEqual(first.resource);
    expect(second.etag).not.toBe(first.etag);
  });

  it('registration (availableForOffers false → true) sets registeredAt and, when idle, availableSince', () => {
    const inactive = create();
    const at = NOW + MINUTE;
    const result = upsert(inactive, { availableForOffers: true }, at);
    expect(result.deregistered).toBe(false);
    expect(result.record.registeredAt).toBe(at);
    expect(result.record.availableSince).toBe(at);
    expect(workerView(result.record).resource.state).toBe('active');
  });

  it('registration of a worker still holding an assignment keeps its availableSince', () => {
    const busy = withHoldings(create(), [], [heldAssignment('a1', 'voice', 10)], NOW + SECOND);
    const at = NOW + MINUTE;
    const registered = upsert(busy, { availableForOffers: true }, at).record;
    expect(registered.registeredAt).toBe(at);
    expect(registered.availableSince).toBe(busy.availableSince);
  });

  it('deregistration (true → false) is flagged; the worker is inactive when idle, draining when busy', () => {
    const active = create({ ...BASE, availableForOffers: true });
    const idle = upsert(active, { availableForOffers: false }, NOW + MINUTE);
    expect(idle.deregistered).toBe(true);
    expect(idle.record.registeredAt).toBe(active.registeredAt);
    expect(workerView(idle.record).resource.state).toBe('inactive');

    const busy = withHoldings(active, [], [heldAssignment('a1', 'voice', 10)], NOW + SECOND);
    const draining = upsert(busy, { availableForOffers: false }, NOW + MINUTE);
    expect(draining.deregistered).toBe(true);
    expect(workerView(draining.record).resource.state).toBe('draining');

    // Staying unavailable is no deregistration.
    expect(upsert(idle.record, { capacity: 3 }, NOW + 2 * MINUTE).deregistered).toBe(false);
  });

  it('If-Match: the current ETag and * pass; a stale ETag, or any If-Match on a missing worker, is 412', () => {
    const v1 = create();
    const v2 = upsert(v1, { capacity: 20 }, NOW + SECOND, { ifMatch: v1.etag }).record;
    expect(v2.version).toBe(2);
    expect(upsert(v2, { capacity: 30 }, NOW + 2 * SECOND, { ifMatch: '*' }).record.version).toBe(3);
    const stale = upsertWorkerRecord(v2, { workerId: 'w1', patch: { capacity: 30 }, ifMatch: v1.etag }, NOW);
    expect(refused(stale).code).toBe('preconditionFailed');
    for (const ifMatch of ['*', v1.etag]) {
      expect(refused(upsertWorkerRecord(undefined, { workerId: 'w1', patch: BASE, ifMatch }, NOW)).code).toBe(
        'preconditionFailed',
      );
    }
  });

  it('If-Unmodified-Since compares whole seconds', () => {
    const record = create(); // updated at 21:05:00.123
    expect(upsert(record, { capacity: 20 }, NOW + SECOND, { ifUnmodifiedSince: httpDate(NOW) }).record.version).toBe(2);
    const error = refused(
      upsertWorkerRecord(
        record,
        { workerId: 'w1', patch: { capacity: 20 }, ifUnmodifiedSince: httpDate(NOW - SECOND) },
        NOW + SECOND,
      ),
    );
    expect(error.code).toBe('preconditionFailed');
  });
});

describe('withHoldings', () => {
  it('bumps version and ETag with every change of holdings', () => {
    const record = create({ ...BASE, availableForOffers: true });
    const offered = withHoldings(record, [heldOffer('o1', 'voice', 10)], [], NOW + SECOND);
    expect(offered.version).toBe(record.version + 1);
    expect(offered.etag).not.toBe(record.etag);
    expect(offered.updatedAt).toBe(NOW + SECOND);
    expect(offered.offers).toEqual([heldOffer('o1', 'voice', 10)]);
    expect(offered.resource).toBe(record.resource);
  });

  it('availableSince moves only when the worker becomes idle', () => {
    const record = create({ ...BASE, availableForOffers: true });
    const busy = withHoldings(record, [heldOffer('o1', 'voice', 10)], [], NOW + SECOND);
    expect(busy.availableSince).toBe(NOW);
    const stillBusy = withHoldings(busy, [], [heldAssignment('a1', 'voice', 10)], NOW + 2 * SECOND);
    expect(stillBusy.availableSince).toBe(NOW);
    const idle = withHoldings(stillBusy, [], [], NOW + MINUTE);
    expect(idle.availableSince).toBe(NOW + MINUTE);
    const idleAgain = withHoldings(idle, [], [], NOW + 2 * MINUTE);
    expect(idleAgain.availableSince).toBe(NOW + MINUTE);
  });
});

describe('workerView (spec §1, §3.6)', () => {
  const record = withHoldings(
    create({
      ...BASE,
      capacity: 4,
      availableForOffers: true,
      channels: [
        { channelId: 'voice', capacityCostPerJob: 2 },
        { channelId: 'chat', capacityCostPerJob: 1 },
      ],
    }),
    [heldOffer('o1', 'chat', 1)],
    [heldAssignment('a1', 'voice', 2)],
    NOW + MINUTE,
  );

  it('shows state, offers, assignedJobs and loadRatio (offers included) in the wire shape', () => {
    const view = workerView(record);
    const { resource } = view;
    expect(resource).toMatchObject({
      id: 'w1',
      state: 'active',
      capacity: 4,
      queues: ['q1'],
      labels: { skill: 'fr', Id: 'w1' },
      tags: {},
      availableForOffers: true,
      offers: [
        {
          offerId: 'o1',
          jobId: 'job-o1',
          capacityCost: 1,
          offeredAt: formatTimestamp(NOW),
          expiresAt: formatTimestamp(NOW + 10 * MINUTE),
        },
      ],
      assignedJobs: [
        { assignmentId: 'a1', jobId: 'job-a1', capacityCost: 2, assignedAt: formatTimestamp(NOW + SECOND) },
      ],
      loadRatio: 0.75,
    });
    // The wire offer and assignment carry exactly the spec's members (no channelId).
    expect(Object.keys((resource.offers as object[])[0] ?? {}).sort()).toEqual(
      ['capacityCost', 'expiresAt', 'jobId', 'offerId', 'offeredAt'].sort(),
    );
    expect(Object.keys((resource.assignedJobs as object[])[0] ?? {}).sort()).toEqual(
      ['assignedAt', 'assignmentId', 'capacityCost', 'jobId'].sort(),
    );
    const offer = (resource.offers as Record<string, string>[])[0];
    expect(offer?.offeredAt).toMatch(WIRE_TIMESTAMP);
    expect(offer?.expiresAt).toMatch(WIRE_TIMESTAMP);
    expect((resource.assignedJobs as Record<string, string>[])[0]?.assignedAt).toMatch(WIRE_TIMESTAMP);
  });

  it('the ETag in the body equals the header and the record’s; Last-Modified is the record’s', () => {
    const view = workerView(record);
    expect(view.etag).toBe(record.etag);
    expect(view.resource.etag).toBe(record.etag);
    expect(view.updatedAt).toBe(NOW + MINUTE);
  });

  it('a pending offer alone counts towards the load: capacity 1 with one offer shows loadRatio 1', () => {
    const single = withHoldings(
      create({
        ...BASE,
        capacity: 1,
        availableForOffers: true,
        channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
      }),
      [heldOffer('o1', 'voice', 1)],
      [],
      NOW + SECOND,
    );
    expect(workerView(single).resource.loadRatio).toBe(1);
  });

  it('state: active when available, draining when unavailable and holding something, else inactive', () => {
    const draining = upsert(record, { availableForOffers: false }, NOW + 2 * MINUTE).record;
    expect(workerView(draining).resource.state).toBe('draining');
    const inactive = withHoldings(draining, [], [], NOW + 3 * MINUTE);
    expect(workerView(inactive).resource.state).toBe('inactive');
    expect(workerView(inactive).resource.loadRatio).toBe(0);
    expect(workerView(inactive).resource.offers).toEqual([]);
    expect(workerView(inactive).resource.assignedJobs).toEqual([]);
  });
});

describe('freeChannels and workerSummary (spec §2.2 op 28, §6.4 step 4)', () => {
  const worker = create({
    ...BASE,
    capacity: 100,
    availableForOffers: true,
    queues: ['q1', 'q2'],
    channels: [
      { channelId: 'voice', capacityCostPerJob: 60 },
      { channelId: 'chat', capacityCostPerJob: 10, maxNumberOfJobs: 2 },
      { channelId: 'email', capacityCostPerJob: 10, maxNumberOfJobs: 2 },
    ],
  });

  it('an idle worker can take a job on every channel', () => {
    expect(freeChannels(worker)).toEqual(['voice', 'chat', 'email']);
  });

  it('capacity: one voice call (60) leaves room for chat and email, not for a second call', () => {
    const onCall = withHoldings(worker, [], [heldAssignment('a1', 'voice', 60)], NOW);
    expect(freeChannels(onCall)).toEqual(['chat', 'email']);
  });

  it('maxNumberOfJobs counts offers and assignments on the channel', () => {
    const twoChats = withHoldings(worker, [heldOffer('o1', 'chat', 10)], [heldAssignment('a1', 'chat', 10)], NOW);
    expect(freeChannels(twoChats)).toEqual(['voice', 'email']);
  });

  it('the spec example: one voice, two chats and two emails fill the worker', () => {
    const full = withHoldings(
      worker,
      [heldOffer('o1', 'email', 10)],
      [
        heldAssignment('a1', 'voice', 60),
        heldAssignment('a2', 'chat', 10),
        heldAssignment('a3', 'chat', 10),
        heldAssignment('a4', 'email', 10),
      ],
      NOW,
    );
    expect(freeChannels(full)).toEqual([]);
    const almost = withHoldings(worker, [], [heldAssignment('a1', 'voice', 60), heldAssignment('a2', 'chat', 10)], NOW);
    expect(freeChannels(almost)).toEqual(['chat', 'email']);
  });

  it('workerSummary lists state, queues, channel ids and free channels', () => {
    const onCall = withHoldings(worker, [], [heldAssignment('a1', 'voice', 60)], NOW);
    expect(workerSummary(onCall)).toEqual({
      state: 'active',
      queues: ['q1', 'q2'],
      channels: ['voice', 'chat', 'email'],
      freeChannels: ['chat', 'email'],
    });
    const deregistered = upsert(onCall, { availableForOffers: false }, NOW + MINUTE).record;
    expect(workerSummary(deregistered).state).toBe('draining');
  });
});
