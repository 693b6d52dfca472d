/**
 * Coverage on the real servers of what the other routing tests do not drive end to end (docs/routing.md "Rules,
 * classification and exceptions" and "Events"): every router event type not yet received by a subscriber, produced
 * through the HTTP API and received by a local HTTP receiver (signature checked on every request, deduplicated by
 * event id, each job's events asserted in the order of its transitions), and the attachment kinds not yet driven
 * through classification (queue passThrough and ruleEngine/directMap; worker static, conditional, passThrough with
 * expiry, ruleEngine, weightedAllocation) with a static prioritization rule given as a numeric string.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routerFixtures } from '../support/routing';
import { useTestStack } from '../support/stack';

const SECRET = 'coverage-secret-0123456789abcdef';
const PREFIX = 'Microsoft.Communication.';

interface Envelope {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  dataVersion: string;
  metadataVersion: string;
  data: Record<string, unknown>;
}

/**
 * A local event receiver: checks `x-ccflow-signature` (HMAC-SHA256 of the raw body with the subscription's secret) on
 * every request and answers 401 when it does not match; keeps each event once (by id), in arrival order.
 */
function receiver(secret: string) {
  const events: Envelope[] = [];
  const seen = new Set<string>();
  const badSignatures: string[] = [];
  let requests = 0;
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-ccflow-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        badSignatures.push(`${String(req.headers['x-ccflow-delivery-id'])}: ${given.toString()}`);
        res.writeHead(401).end();
        return;
      }
      for (const event of JSON.parse(raw.toString('utf8')) as Envelope[]) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        events.push(event);
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return {
    events,
    badSignatures,
    requests: () => requests,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const shortType = (event: Envelope) => event.eventType.slice(PREFIX.length);

describe('routing coverage: every event type and attachment kind on the real servers', () => {
  const { stack, tenant } = useTestStack();
  const rx = receiver(SECRET);
  const r = () => routerFixtures(stack, tenant);
  type Router = ReturnType<typeof r>;

  beforeAll(async () => {
    const base = await rx.listen();
    // Subscribed before the tenant's first routing change, so the fan-out's first read of the subscriptions sees it.
    const subscribed = await stack.http
      .put('/v1/routing/event-subscriptions/coverage')
      .set(tenant.auth)
      .send({ endpointUrl: `${base}/events`, secret: SECRET });
    expect(subscribed.status).toBe(201);
  });
  afterAll(async () => {
    await rx.close();
  });
  afterEach(() => {
    expect(rx.badSignatures).toEqual([]);
  });

  /** The job's events (its RouterJob* events and its offers' events) in the order received. */
  const eventsOf = (jobId: string) => rx.events.filter((event) => event.data.jobId === jobId);

  /** Polls until `done` holds for the job's events (every 50 ms, up to `timeoutMs`). */
  async function waitForEvents(jobId: string, done: (types: string[]) => boolean, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = eventsOf(jobId);
      if (done(events.map(shortType))) return events;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for the events of ${jobId}; got ${JSON.stringify(events.map(shortType))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Waits for the job's first `expected.length` events and asserts they are exactly `expected`, in that order (the
   * order of the job's transitions); returns them.
   */
  async function expectEvents(jobId: string, expected: readonly string[], timeoutMs?: number) {
    const events = await waitForEvents(jobId, (types) => types.length >= expected.length, timeoutMs);
    expect(events.slice(0, expected.length).map(shortType)).toEqual(expected);
    for (const event of events) {
      expect(event).toMatchObject({
        topic: `/ccflow/tenants/${tenant.id}`,
        dataVersion: '1.0',
        metadataVersion: '1',
        eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/),
      });
    }
    return events.slice(0, expected.length);
  }

  /** The first event of `type` among `events`. */
  const find = (events: readonly Envelope[], type: string): Envelope => {
    const event = events.find((candidate) => shortType(candidate) === type);
    if (!event) throw new Error(`no ${type} in ${JSON.stringify(events.map(shortType))}`);
    return event;
  };

  const createJob = async (router: Router, body: Record<string, unknown>) => {
    const jobId = router.id('job');
    const created = await router.patch(`/jobs/${jobId}`, { channelId: 'voice', ...body });
    expect(created.status).toBe(201);
    return jobId;
  };

  const addWorker = async (router: Router, queueId: string) => {
    const workerId = router.id('w');
    const created = await router.patch(`/workers/${workerId}`, {
      capacity: 1,
      queues: [queueId],
      channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
      availableForOffers: true,
    });
    expect(created.status).toBe(201);
    return workerId;
  };

  const cancel = async (router: Router, jobId: string, body: object = {}) =>
    expect((await router.post(`/jobs/${jobId}:cancel`, body)).status).toBe(200);

  it('classification with every worker attachment kind, a queue passThrough and a numeric-string priority: Received, Classified, Queued, WorkerSelectorsExpired, Cancelled', async () => {
    const router = r();
    const region = router.id('region');
    const team = router.id('team');
    const { queueId } = await router.queue({ labels: { region } });
    expect((await router.patch(`/queues/${queueId}`, { name: 'Coverage region queue' })).status).toBe(200);
    const policyId = router.id('cp');
    const policy = await router.patch(`/classificationPolicies/${policyId}`, {
      prioritizationRule: { kind: 'static', value: '7' },
      queueSelectorAttachments: [{ kind: 'passThrough', key: 'region', labelOperator: 'equal' }],
      workerSelectorAttachments: [
        { kind: 'static', workerSelector: { key: 'certified', labelOperator: 'equal', value: true } },
        {
          kind: 'conditional',
          condition: { kind: 'expression', expression: 'job.vip = true' },
          workerSelectors: [{ key: 'seniority', labelOperator: 'greaterThanOrEqual', value: 3 }],
        },
        {
          kind: 'conditional',
          condition: { kind: 'static', value: false },
          workerSelectors: [{ key: 'never', labelOperator: 'equal', value: 'attached' }],
        },
        { kind: 'passThrough', key: 'lang', labelOperator: 'equal', expiresAfterSeconds: 1 },
        {
          kind: 'ruleEngine',
          // JSON text of labels, built by a PowerFx expression: one `equal` selector per label.
          rule: { kind: 'expression', expression: '"{""team"":""" & job.team & """}"' },
        },
        {
          kind: 'weightedAllocation',
          allocations: [
            { weight: 0.5, workerSelectors: [{ key: 'pool', labelOperator: 'equal', value: 'a' }] },
            { weight: 0.5, workerSelectors: [{ key: 'pool', labelOperator: 'equal', value: 'b' }] },
          ],
        },
      ],
    });
    expect(policy.status).toBe(201);
    const labels = { region, lang: 'fr', vip: true, team };
    const jobId = await createJob(router, {
      classificationPolicyId: policyId,
      labels,
      channelReference: 'call-classified',
    });

    const job = await router.waitForJob(jobId, (j) => j.status === 'queued' || j.status === 'classificationFailed');
    expect(job).toMatchObject({ status: 'queued', queueId, priority: 7 });
    const attached = (job as { attachedWorkerSelectors?: unknown }).attachedWorkerSelectors;
    expect(attached).toEqual([
      { key: 'certified', labelOperator: 'equal', value: true, status: 'active' },
      { key: 'seniority', labelOperator: 'greaterThanOrEqual', value: 3, status: 'active' },
      expect.objectContaining({
        key: 'lang',
        labelOperator: 'equal',
        value: 'fr',
        expiresAfterSeconds: 1,
        expiresAt: expect.any(String),
      }),
      { key: 'team', labelOperator: 'equal', value: team, status: 'active' },
      { key: 'pool', labelOperator: 'equal', value: expect.stringMatching(/^(a|b)$/), status: 'active' },
    ]);

    const events = await expectEvents(jobId, [
      'RouterJobReceived',
      'RouterJobClassified',
      'RouterJobQueued',
      'RouterJobWorkerSelectorsExpired',
    ]);
    const received = find(events, 'RouterJobReceived');
    expect(received.subject).toBe(`job/${jobId}/channel/voice`);
    expect(received.data).toMatchObject({
      jobId,
      channelId: 'voice',
      channelReference: 'call-classified',
      labels,
      jobStatus: 'PendingClassification',
      classificationPolicyId: policyId,
      unavailableForMatching: false,
    });
    const classified = find(events, 'RouterJobClassified');
    expect(classified.subject).toBe(`job/${jobId}/channel/voice/queue/${queueId}`);
    expect(classified.data).toMatchObject({
      jobId,
      channelId: 'voice',
      labels,
      classificationPolicyId: policyId,
      queueId,
      priority: 7,
      queueDetails: { id: queueId, name: 'Coverage region queue', labels: expect.objectContaining({ region }) },
    });
    expect(classified.data.attachedWorkerSelectors).toEqual([
      { key: 'certified', labelOperator: 'Equal', value: true, state: 'active' },
      { key: 'seniority', labelOperator: 'GreaterThanOrEqual', value: 3, state: 'active' },
      {
        key: 'lang',
        labelOperator: 'Equal',
        value: 'fr',
        ttlSeconds: 1,
        state: 'active',
        expirationTime: expect.stringMatching(/Z$/),
      },
      { key: 'team', labelOperator: 'Equal', value: team, state: 'active' },
      expect.objectContaining({ key: 'pool', labelOperator: 'Equal', state: 'active' }),
    ]);
    expect(find(events, 'RouterJobQueued').data).toMatchObject({ jobId, queueId, priority: 7 });
    const expired = find(events, 'RouterJobWorkerSelectorsExpired');
    expect(expired.subject).toBe(`job/${jobId}/channel/voice/queue/${queueId}`);
    const expiredLang = [expect.objectContaining({ key: 'lang', value: 'fr', ttlSeconds: 1, state: 'expired' })];
    expect(expired.data).toMatchObject({
      jobId,
      queueId,
      requestedWorkerSelectorsExpired: [],
      attachedWorkerSelectorsExpired: expiredLang,
      expiredRequestedWorkerSelectors: [],
      expiredAttachedWorkerSelectors: expiredLang,
    });
    const afterExpiry = (await router.job(jobId)) as { attachedWorkerSelectors?: { key: string; status: string }[] };
    expect(afterExpiry.attachedWorkerSelectors?.find((s) => s.key === 'lang')?.status).toBe('expired');

    await cancel(router, jobId, { note: 'caller hung up', dispositionCode: 'Abandoned' });
    const all = await waitForEvents(jobId, (types) => types.includes('RouterJobCancelled'));
    expect(all.map(shortType)).toEqual([
      'RouterJobReceived',
      'RouterJobClassified',
      'RouterJobQueued',
      'RouterJobWorkerSelectorsExpired',
      'RouterJobCancelled',
    ]);
    const cancelled = find(all, 'RouterJobCancelled');
    expect(cancelled.subject).toBe(`job/${jobId}/channel/voice/disposition/Abandoned`);
    expect(cancelled.data).toMatchObject({ jobId, note: 'caller hung up', dispositionCode: 'Abandoned', queueId });
  });

  it('a queue ruleEngine attachment with a directMap rule picks the queue whose labels are the job’s; a requested selector expires', async () => {
    const router = r();
    const dept = router.id('dept');
    const { queueId } = await router.queue({ labels: { dept } });
    const policyId = router.id('cp');
    expect(
      (
        await router.patch(`/classificationPolicies/${policyId}`, {
          queueSelectorAttachments: [{ kind: 'ruleEngine', rule: { kind: 'directMap' } }],
        })
      ).status,
    ).toBe(201);
    const classifiedJob = await createJob(router, { classificationPolicyId: policyId, labels: { dept } });
    expect(await router.waitForJob(classifiedJob, (j) => j.status !== 'pendingClassification')).toMatchObject({
      status: 'queued',
      queueId,
      priority: 1,
      attachedWorkerSelectors: [],
    });
    const classified = await expectEvents(classifiedJob, [
      'RouterJobReceived',
      'RouterJobClassified',
      'RouterJobQueued',
    ]);
    expect(find(classified, 'RouterJobClassified').data).toMatchObject({
      queueId,
      classificationPolicyId: policyId,
      attachedWorkerSelectors: [],
    });

    // A requested selector with a 1 s expiry on a job queued directly (no worker can take it meanwhile).
    const requestedJob = await createJob(router, {
      queueId,
      requestedWorkerSelectors: [{ key: 'preferred', labelOperator: 'equal', value: 'alice', expiresAfterSeconds: 1 }],
    });
    const requested = await expectEvents(requestedJob, [
      'RouterJobReceived',
      'RouterJobQueued',
      'RouterJobWorkerSelectorsExpired',
    ]);
    expect(find(requested, 'RouterJobReceived').data).toMatchObject({
      jobStatus: 'Queued',
      queueId,
      requestedWorkerSelectors: [
        expect.objectContaining({ key: 'preferred', labelOperator: 'Equal', value: 'alice', ttlSeconds: 1 }),
      ],
    });
    const expiredPreferred = [expect.objectContaining({ key: 'preferred', value: 'alice', state: 'expired' })];
    expect(find(requested, 'RouterJobWorkerSelectorsExpired').data).toMatchObject({
      queueId,
      requestedWorkerSelectorsExpired: expiredPreferred,
      attachedWorkerSelectorsExpired: [],
      expiredRequestedWorkerSelectors: expiredPreferred,
    });
    for (const jobId of [classifiedJob, requestedJob]) await cancel(router, jobId);
  });

  it('a failing classification: RouterJobReceived, then RouterJobClassificationFailed with the reason', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const policyId = router.id('cp');
    expect(
      (
        await router.patch(`/classificationPolicies/${policyId}`, {
          fallbackQueueId: queueId,
          queueSelectorAttachments: [{ kind: 'passThrough', key: 'region', labelOperator: 'equal' }],
        })
      ).status,
    ).toBe(201);
    const jobId = await createJob(router, { classificationPolicyId: policyId, labels: { lang: 'en' } });
    expect((await router.waitForJob(jobId, (j) => j.status !== 'pendingClassification')).status).toBe(
      'classificationFailed',
    );
    const events = await expectEvents(jobId, ['RouterJobReceived', 'RouterJobClassificationFailed']);
    const failed = find(events, 'RouterJobClassificationFailed');
    expect(failed.subject).toBe(`job/${jobId}/channel/voice/classificationpolicy/${policyId}`);
    expect(failed.data).toMatchObject({
      jobId,
      channelId: 'voice',
      labels: { lang: 'en' },
      classificationPolicyId: policyId,
      errors: [
        { message: expect.stringMatching(/queueSelectorAttachments\.0: passThrough needs the job label "region"/) },
      ],
    });
    await cancel(router, jobId);
  });

  it('exception rules: waitTime → cancel, queueLength → manualReclassify, waitTime → reclassify, each with RouterJobExceptionTriggered', async () => {
    const router = r();
    const { policyId: distributionPolicyId, queueId: overflow } = await router.queue({});
    const tier = router.id('tier');
    const { queueId: escalated } = await router.queue({ labels: { tier } });
    const classificationPolicyId = router.id('cp');
    expect(
      (
        await router.patch(`/classificationPolicies/${classificationPolicyId}`, {
          queueSelectorAttachments: [
            { kind: 'static', queueSelector: { key: 'tier', labelOperator: 'equal', value: tier } },
          ],
        })
      ).status,
    ).toBe(201);
    const queueWith = async (exceptionRules: object[]) => {
      const exceptionPolicyId = router.id('ep');
      expect((await router.patch(`/exceptionPolicies/${exceptionPolicyId}`, { exceptionRules })).status).toBe(201);
      const queueId = router.id('q');
      expect((await router.patch(`/queues/${queueId}`, { distributionPolicyId, exceptionPolicyId })).status).toBe(201);
      return queueId;
    };
    const cancelQueue = await queueWith([
      {
        id: 'too-slow',
        trigger: { kind: 'waitTime', thresholdSeconds: 1 },
        actions: [{ kind: 'cancel', note: 'waited too long', dispositionCode: 'Timeout' }],
      },
    ]);
    const lengthQueue = await queueWith([
      {
        id: 'too-long',
        trigger: { kind: 'queueLength', threshold: 0 },
        actions: [{ kind: 'manualReclassify', queueId: overflow, priority: 9 }],
      },
    ]);
    const reclassifyQueue = await queueWith([
      {
        id: 'escalate',
        trigger: { kind: 'waitTime', thresholdSeconds: 1 },
        actions: [{ kind: 'reclassify', classificationPolicyId, labelsToUpsert: { escalated: true } }],
      },
    ]);

    const cancelled = await createJob(router, { queueId: cancelQueue });
    const first = await createJob(router, { queueId: lengthQueue });
    await router.waitForJob(first, (j) => j.status === 'queued');
    await waitForEvents(first, (types) => types.includes('RouterJobQueued'));
    const moved = await createJob(router, { queueId: lengthQueue });
    const reclassified = await createJob(router, { queueId: reclassifyQueue, labels: { lang: 'en' } });

    const c = await expectEvents(cancelled, [
      'RouterJobReceived',
      'RouterJobQueued',
      'RouterJobExceptionTriggered',
      'RouterJobCancelled',
    ]);
    const triggered = find(c, 'RouterJobExceptionTriggered');
    expect(triggered.subject).toBe(`job/${cancelled}/channel/voice/exceptionrule/too-slow`);
    expect(triggered.data).toMatchObject({
      jobId: cancelled,
      channelId: 'voice',
      queueId: cancelQueue,
      ruleKey: 'too-slow',
      exceptionRuleId: 'too-slow',
    });
    expect(find(c, 'RouterJobCancelled').data).toMatchObject({
      note: 'waited too long',
      dispositionCode: 'Timeout',
      queueId: cancelQueue,
    });

    const m = await expectEvents(moved, [
      'RouterJobReceived',
      'RouterJobQueued',
      'RouterJobExceptionTriggered',
      'RouterJobQueued',
    ]);
    expect(m[1]?.data).toMatchObject({ queueId: lengthQueue });
    expect(m[2]?.data).toMatchObject({ ruleKey: 'too-long', exceptionRuleId: 'too-long', queueId: lengthQueue });
    expect(m[3]?.data).toMatchObject({ queueId: overflow, priority: 9 });
    // The first job had nobody ahead of it: no trigger.
    expect(eventsOf(first).map(shortType)).toEqual(['RouterJobReceived', 'RouterJobQueued']);

    const rc = await expectEvents(reclassified, [
      'RouterJobReceived',
      'RouterJobQueued',
      'RouterJobExceptionTriggered',
      'RouterJobClassified',
      'RouterJobQueued',
    ]);
    expect(rc[2]?.data).toMatchObject({ ruleKey: 'escalate', queueId: reclassifyQueue });
    expect(rc[3]?.data).toMatchObject({
      classificationPolicyId,
      queueId: escalated,
      labels: { lang: 'en', escalated: true },
      queueDetails: { id: escalated, labels: expect.objectContaining({ tier }) },
    });
    expect(rc[4]?.data).toMatchObject({ queueId: escalated });
    for (const jobId of [first, moved, reclassified]) await cancel(router, jobId);
  });

  it('offers: declined, revoked when another worker accepts, revoked on deregistration, expired', async () => {
    const router = r();
    // Declined.
    {
      const { queueId } = await router.queue({});
      const workerId = await addWorker(router, queueId);
      const jobId = await createJob(router, { queueId, labels: { case: 'decline' } });
      const { offerId } = await router.waitForOffer(jobId, [workerId]);
      expect((await router.post(`/workers/${workerId}/offers/${offerId}:decline`, {})).status).toBe(200);
      const events = await expectEvents(jobId, [
        'RouterJobReceived',
        'RouterJobQueued',
        'RouterWorkerOfferIssued',
        'RouterWorkerOfferDeclined',
      ]);
      const issued = find(events, 'RouterWorkerOfferIssued');
      expect(issued.subject).toBe(`worker/${workerId}/job/${jobId}`);
      expect(issued.data).toMatchObject({
        offerId,
        workerId,
        jobId,
        channelId: 'voice',
        queueId,
        jobPriority: 1,
        jobLabels: { case: 'decline' },
        offeredOn: expect.stringMatching(/Z$/),
        expiresOn: expect.stringMatching(/Z$/),
      });
      const declined = find(events, 'RouterWorkerOfferDeclined');
      expect(declined.subject).toBe(`worker/${workerId}/job/${jobId}`);
      expect(declined.data).toMatchObject({ offerId, workerId, jobId, channelId: 'voice', queueId });
      await cancel(router, jobId);
    }
    // Revoked: two offers at once, one accepted.
    {
      const { queueId } = await router.queue({ mode: { kind: 'longestIdle', maxConcurrentOffers: 2 } });
      const workers = [await addWorker(router, queueId), await addWorker(router, queueId)];
      for (const workerId of workers) await router.waitForWorker(workerId, (w) => w.state === 'active');
      const jobId = await createJob(router, { queueId });
      const offers = await Promise.all(workers.map((workerId) => router.waitForOffer(jobId, [workerId])));
      const [winner, loser] = offers;
      if (!winner || !loser) throw new Error('two offers expected');
      const accepted = await router.post(`/workers/${winner.workerId}/offers/${winner.offerId}:accept`);
      expect(accepted.status).toBe(200);
      const events = await expectEvents(jobId, [
        'RouterJobReceived',
        'RouterJobQueued',
        'RouterWorkerOfferIssued',
        'RouterWorkerOfferIssued',
        'RouterWorkerOfferAccepted',
        'RouterWorkerOfferRevoked',
      ]);
      expect(events.slice(2, 4).map((e) => e.data.offerId)).toEqual(
        expect.arrayContaining([winner.offerId, loser.offerId]),
      );
      expect(find(events, 'RouterWorkerOfferAccepted').data).toMatchObject({
        offerId: winner.offerId,
        workerId: winner.workerId,
        assignmentId: accepted.body.assignmentId,
      });
      const revoked = find(events, 'RouterWorkerOfferRevoked');
      expect(revoked.subject).toBe(`worker/${loser.workerId}/job/${jobId}`);
      expect(revoked.data).toMatchObject({ offerId: loser.offerId, workerId: loser.workerId, jobId, queueId });
      await router.waitForWorker(loser.workerId, (w) => w.offers.length === 0);
    }
    // Revoked: the offered worker deregisters.
    {
      const { queueId } = await router.queue({});
      const workerId = await addWorker(router, queueId);
      const jobId = await createJob(router, { queueId });
      const { offerId } = await router.waitForOffer(jobId, [workerId]);
      expect((await router.patch(`/workers/${workerId}`, { availableForOffers: false })).status).toBe(200);
      const events = await expectEvents(jobId, [
        'RouterJobReceived',
        'RouterJobQueued',
        'RouterWorkerOfferIssued',
        'RouterWorkerOfferRevoked',
      ]);
      expect(find(events, 'RouterWorkerOfferRevoked').data).toMatchObject({ offerId, workerId, jobId, queueId });
      expect((await router.job(jobId)).status).toBe('queued');
      await cancel(router, jobId);
    }
    // Expired (offerExpiresAfterSeconds 1); cancelling the job then revokes any re-issued offer before it cancels.
    {
      const { queueId } = await router.queue({ offerExpiresAfterSeconds: 1 });
      const workerId = await addWorker(router, queueId);
      const jobId = await createJob(router, { queueId });
      const { offerId } = await router.waitForOffer(jobId, [workerId]);
      const events = await expectEvents(jobId, [
        'RouterJobReceived',
        'RouterJobQueued',
        'RouterWorkerOfferIssued',
        'RouterWorkerOfferExpired',
      ]);
      const expired = find(events, 'RouterWorkerOfferExpired');
      expect(expired.subject).toBe(`worker/${workerId}/job/${jobId}`);
      expect(expired.data).toMatchObject({ offerId, workerId, jobId, channelId: 'voice', queueId });
      await cancel(router, jobId);
      const all = await waitForEvents(jobId, (types) => types.includes('RouterJobCancelled'));
      expect(all.map(shortType).at(-1)).toBe('RouterJobCancelled');
      // After the expiry, only re-offers and their outcomes, in order (each issued offer ended before the next).
      const tail = all.slice(4, -1).map(shortType);
      for (let i = 0; i < tail.length; i += 2) {
        expect(tail[i]).toBe('RouterWorkerOfferIssued');
        expect(['RouterWorkerOfferExpired', 'RouterWorkerOfferRevoked']).toContain(tail[i + 1]);
      }
    }
  });

  it('unassign with suspendMatching, a suspend PATCH and a fired schedule: RouterJobUnassigned, RouterJobWaitingForActivation', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const workerId = await addWorker(router, queueId);

    // Unassigned, then parked.
    const unassigned = await createJob(router, { queueId, channelReference: 'call-unassign' });
    const { offerId } = await router.waitForOffer(unassigned, [workerId]);
    const accepted = await router.post(`/workers/${workerId}/offers/${offerId}:accept`);
    expect(accepted.status).toBe(200);
    const assignmentId = String(accepted.body.assignmentId);
    const answer = await router.post(`/jobs/${unassigned}/assignments/${assignmentId}:unassign`, {
      suspendMatching: true,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: unassigned, unassignmentCount: 1 });
    expect((await router.waitForJob(unassigned, (j) => j.status === 'waitingForActivation')).status).toBe(
      'waitingForActivation',
    );
    const u = await expectEvents(unassigned, [
      'RouterJobReceived',
      'RouterJobQueued',
      'RouterWorkerOfferIssued',
      'RouterWorkerOfferAccepted',
      'RouterJobUnassigned',
      'RouterJobWaitingForActivation',
    ]);
    const unassignedEvent = find(u, 'RouterJobUnassigned');
    expect(unassignedEvent.subject).toBe(`job/${unassigned}/channel/voice/assignment/${assignmentId}`);
    expect(unassignedEvent.data).toMatchObject({
      jobId: unassigned,
      channelReference: 'call-unassign',
      assignmentId,
      workerId,
      queueId,
    });
    expect(find(u, 'RouterJobWaitingForActivation').data).toMatchObject({
      jobId: unassigned,
      queueId,
      priority: 1,
      requestedWorkerSelectors: [],
      attachedWorkerSelectors: [],
      unavailableForMatching: true,
    });

    // A queued job suspended by PATCH, in a queue no worker listens on.
    const { queueId: idleQueue } = await router.queue({});
    const suspended = await createJob(router, { queueId: idleQueue });
    await router.waitForJob(suspended, (j) => j.status === 'queued');
    expect((await router.patch(`/jobs/${suspended}`, { matchingMode: { kind: 'suspend' } })).status).toBe(200);
    const s = await expectEvents(suspended, ['RouterJobReceived', 'RouterJobQueued', 'RouterJobWaitingForActivation']);
    expect(find(s, 'RouterJobWaitingForActivation').data).toMatchObject({
      queueId: idleQueue,
      unavailableForMatching: true,
    });

    // A scheduled job: RouterJobReceived (PendingSchedule) at creation, RouterJobWaitingForActivation when it fires.
    const scheduleAt = new Date(Date.now() + 1_500).toISOString();
    const scheduled = await createJob(router, {
      queueId: idleQueue,
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt },
    });
    const sc = await expectEvents(scheduled, ['RouterJobReceived', 'RouterJobWaitingForActivation']);
    expect(find(sc, 'RouterJobReceived').data).toMatchObject({
      jobStatus: 'PendingSchedule',
      queueId: idleQueue,
      scheduledOn: expect.stringMatching(/Z$/),
      unavailableForMatching: true,
    });
    const fired = find(sc, 'RouterJobWaitingForActivation').data;
    expect(fired).toMatchObject({ queueId: idleQueue, unavailableForMatching: true });
    expect(Date.parse(String(fired.scheduledOn))).toBeGreaterThanOrEqual(Date.parse(scheduleAt) - 1);
    expect((await router.job(scheduled)).status).toBe('waitingForActivation');

    for (const jobId of [unassigned, suspended, scheduled]) await cancel(router, jobId);
  });

  it('a scheduleAndSuspend job more than 90 days ahead: RouterJobReceived, then RouterJobSchedulingFailed', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const scheduleAt = new Date(Date.now() + 100 * 24 * 3600 * 1000).toISOString();
    const jobId = await createJob(router, {
      queueId,
      priority: 4,
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt },
    });
    expect((await router.waitForJob(jobId, (j) => j.status === 'scheduleFailed')).status).toBe('scheduleFailed');
    const events = await expectEvents(jobId, ['RouterJobReceived', 'RouterJobSchedulingFailed']);
    expect(find(events, 'RouterJobReceived').data).toMatchObject({
      jobStatus: 'PendingSchedule',
      unavailableForMatching: true,
    });
    const failed = find(events, 'RouterJobSchedulingFailed');
    expect(failed.subject).toBe(`job/${jobId}/channel/voice`);
    expect(failed.data).toMatchObject({
      jobId,
      channelId: 'voice',
      queueId,
      priority: 4,
      requestedWorkerSelectors: [],
      attachedWorkerSelectors: [],
      failureReason: expect.stringMatching(/90-day/),
    });
    expect(Date.parse(String(failed.data.scheduledOn))).toBe(Date.parse(scheduleAt));
    await cancel(router, jobId);
    await waitForEvents(jobId, (types) => types.includes('RouterJobCancelled'));
    expect(eventsOf(jobId).map(shortType)).toEqual([
      'RouterJobReceived',
      'RouterJobSchedulingFailed',
      'RouterJobCancelled',
    ]);
  });

  it('every request the receiver got was signed with the subscription’s secret', () => {
    expect(rx.requests()).toBeGreaterThan(0);
    expect(rx.badSignatures).toEqual([]);
  });
});
