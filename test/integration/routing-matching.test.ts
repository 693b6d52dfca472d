/**
 * Issue 9, matching and the job's timers through the HTTP API on the real servers: worker-selector expiry,
 * expedite and priority order, roundRobin, deregistration, offer expiry, decline with retryOfferAt, deferred close,
 * static classification, queue statistics and position, list filters and paging, and what operators find in
 * Temporal's visibility.
 */
import { z } from 'zod';
import { routerJobWorkflowId } from '../../domain/ids';
import { routerFixtures } from '../support/routing';
import { useTestStack } from '../support/stack';

const listPage = z.object({ value: z.array(z.object({ id: z.string() }).loose()), nextLink: z.string().optional() });

describe('routing: matching and timers', () => {
  const { stack, tenant } = useTestStack();
  const r = () => routerFixtures(stack, tenant);

  type Router = ReturnType<typeof r>;
  const register = (router: Router, workerId: string, queueId: string, extra: object = {}) =>
    router.patch(`/workers/${workerId}`, {
      capacity: 1,
      queues: [queueId],
      channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
      availableForOffers: true,
      ...extra,
    });
  /** Accepts, completes and closes the offer: the worker is free again. */
  const finish = async (router: Router, offer: { workerId: string; offerId: string }, jobId: string) => {
    const accepted = await router.post(`/workers/${offer.workerId}/offers/${offer.offerId}:accept`);
    expect(accepted.status).toBe(200);
    const { assignmentId } = accepted.body as { assignmentId: string };
    await router.post(`/jobs/${jobId}/assignments/${assignmentId}:complete`);
    await router.post(`/jobs/${jobId}/assignments/${assignmentId}:close`);
    return assignmentId;
  };

  it('a preferred-worker selector constrains matching until it expires, then anyone gets the job', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const workerId = router.id('w');
    await register(router, workerId, queueId, { labels: { tier: 'silver' } });
    const jobId = router.id('job');
    const started = Date.now();
    const created = await router.patch(`/jobs/${jobId}`, {
      channelId: 'voice',
      queueId,
      requestedWorkerSelectors: [{ key: 'tier', labelOperator: 'equal', value: 'gold', expiresAfterSeconds: 2 }],
    });
    expect(created.body).toMatchObject({
      requestedWorkerSelectors: [{ status: 'active', expiresAt: expect.any(String) }],
    });
    await router.waitForOffer(jobId, [workerId]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect((await router.get(`/jobs/${jobId}`)).body).toMatchObject({
      requestedWorkerSelectors: [{ status: 'expired' }],
    });
  });

  it('orders the queue: expedite first, then priority, then enqueue time', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const [early, urgent, expedited] = [router.id('early'), router.id('urgent'), router.id('expedited')];
    await router.patch(`/jobs/${early}`, { channelId: 'voice', queueId, priority: 1 });
    await router.patch(`/jobs/${urgent}`, { channelId: 'voice', queueId, priority: 50 });
    await router.patch(`/jobs/${expedited}`, {
      channelId: 'voice',
      queueId,
      priority: 1,
      requestedWorkerSelectors: [{ key: 'team', labelOperator: 'equal', value: 'a', expedite: true }],
    });
    const position = await router.get(`/jobs/${early}/position`);
    expect(position.status).toBe(200);
    expect(position.body).toMatchObject({ jobId: early, position: 3, queueId, queueLength: 3 });
    const statistics = await router.get(`/queues/${queueId}/statistics`);
    expect(statistics.body).toMatchObject({ queueId, length: 3, longestJobWaitTimeMinutes: expect.any(Number) });

    const workerId = router.id('w');
    await register(router, workerId, queueId, { labels: { team: 'a' } });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const offered = await router.waitForWorker(workerId, (w) => w.offers.length === 1);
      const offer = offered.offers[0];
      if (!offer) throw new Error('no offer');
      order.push(offer.jobId);
      await finish(router, { workerId, offerId: offer.offerId }, offer.jobId);
    }
    expect(order).toEqual([expedited, urgent, early]);
    const notQueued = await router.get(`/jobs/${early}/position`);
    expect(notQueued.status).toBe(400);
  });

  it('roundRobin offers in worker id order, after the last one offered', async () => {
    const router = r();
    const { queueId } = await router.queue({ mode: { kind: 'roundRobin' } });
    const prefix = router.id('rr');
    const workers = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const workerId of workers) await register(router, workerId, queueId);
    const offeredTo: string[] = [];
    for (let i = 0; i < 4; i++) {
      const jobId = router.id('job');
      await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
      const offer = await router.waitForOffer(jobId, workers);
      offeredTo.push(offer.workerId);
      await finish(router, offer, jobId);
    }
    // The first pick depends on the queue's cursor (none yet: the first id); then it cycles.
    expect(offeredTo).toEqual([workers[0], workers[1], workers[2], workers[0]]);
  });

  it('bestWorker offers the job to the worker with the highest default score (spec §4.1)', async () => {
    const router = r();
    const { queueId } = await router.queue({ mode: { kind: 'bestWorker' } });
    const [partial, full] = [router.id('partial'), router.id('full')];
    // The better match registers last, so neither registration order nor idle time can explain the choice.
    await register(router, partial, queueId, { labels: { lang: 'fr' } });
    await register(router, full, queueId, { labels: { lang: 'fr', tier: 'gold' } });
    const jobId = router.id('job');
    await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId, labels: { lang: 'fr', tier: 'gold' } });
    const offer = await router.waitForOffer(jobId, [partial, full]);
    expect(offer.workerId).toBe(full);
  });

  it('deregistering revokes pending offers; the job goes to another worker; the first ends inactive', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const [first, second] = [router.id('w'), router.id('w')];
    await register(router, first, queueId);
    const jobId = router.id('job');
    await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
    await router.waitForOffer(jobId, [first]);
    const deregistered = await router.patch(`/workers/${first}`, { availableForOffers: false });
    expect(deregistered.status).toBe(200);
    await router.waitForWorker(first, (w) => w.state === 'inactive' && w.offers.length === 0);
    await register(router, second, queueId);
    await router.waitForOffer(jobId, [second]);
    expect((await router.worker(first)).offers).toEqual([]);
  });

  it('an expired offer makes the job matchable again; a decline with retryOfferAt lets the worker have it later', async () => {
    const router = r();
    const { queueId } = await router.queue({ offerExpiresAfterSeconds: 1 });
    const workerId = router.id('w');
    await register(router, workerId, queueId);
    const jobId = router.id('job');
    await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
    const first = await router.waitForOffer(jobId, [workerId]);
    const afterExpiry = await router.waitForWorker(workerId, (w) =>
      w.offers.some((o) => o.jobId === jobId && o.offerId !== first.offerId),
    );
    const renewedOffer = afterExpiry.offers.find((o) => o.jobId === jobId);
    if (!renewedOffer) throw new Error('no renewed offer');
    const renewed = { workerId, offerId: renewedOffer.offerId };
    // Accepting the expired one is too late.
    expect((await router.post(`/workers/${workerId}/offers/${first.offerId}:accept`)).status).toBe(404);

    const retryOfferAt = new Date(Date.now() + 1500).toISOString();
    const declined = await router.post(`/workers/${workerId}/offers/${renewed.offerId}:decline`, { retryOfferAt });
    expect(declined.status).toBe(200);
    expect(declined.body).toEqual({});
    // The declined offer shows on the worker until the router hears of the decline; wait for the next one.
    const again = await router.waitForWorker(workerId, (w) =>
      w.offers.some((o) => o.jobId === jobId && o.offerId !== renewed.offerId),
    );
    expect(again.offers).toHaveLength(1);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(retryOfferAt) - 50);
  });

  it('close with a future closeAt holds the capacity until then; unassign is refused after three times', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const workerId = router.id('w');
    await register(router, workerId, queueId);
    const jobId = router.id('job');
    await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
    let assignmentId = '';
    for (let round = 1; round <= 4; round++) {
      const offer = await router.waitForOffer(jobId, [workerId]);
      const accepted = await router.post(`/workers/${workerId}/offers/${offer.offerId}:accept`);
      assignmentId = (accepted.body as { assignmentId: string }).assignmentId;
      if (round === 4) break;
      const unassigned = await router.post(`/jobs/${jobId}/assignments/${assignmentId}:unassign`);
      expect(unassigned.body).toEqual({ jobId, unassignmentCount: round });
    }
    const refused = await router.post(`/jobs/${jobId}/assignments/${assignmentId}:unassign`);
    expect(refused.status).toBe(409);

    await router.post(`/jobs/${jobId}/assignments/${assignmentId}:complete`);
    const closeAt = new Date(Date.now() + 2000).toISOString();
    const closing = await router.post(`/jobs/${jobId}/assignments/${assignmentId}:close`, {
      closeAt,
      dispositionCode: 'Resolved',
    });
    expect(closing.status).toBe(200);
    expect((await router.job(jobId)).status).toBe('completed');
    expect((await router.worker(workerId)).assignedJobs).toHaveLength(1);
    const closed = await router.waitForJob(jobId, (job) => job.status === 'closed');
    expect(closed).toMatchObject({ dispositionCode: 'Resolved' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(closeAt) - 50);
    await router.waitForWorker(workerId, (w) => w.assignedJobs.length === 0);
  });

  it('classifies with static attachments and a fallback queue; no queue at all fails classification', async () => {
    const router = r();
    const { policyId } = await router.queue({});
    const billing = router.id('billing');
    await router.patch(`/queues/${billing}`, { distributionPolicyId: policyId, labels: { dept: billing } });
    const classified = router.id('cp');
    await router.patch(`/classificationPolicies/${classified}`, {
      queueSelectorAttachments: [
        { kind: 'static', queueSelector: { key: 'dept', labelOperator: 'equal', value: billing } },
      ],
      prioritizationRule: { kind: 'static', value: 7 },
      workerSelectorAttachments: [
        { kind: 'static', workerSelector: { key: 'lang', labelOperator: 'equal', value: 'fr' } },
      ],
    });
    const jobId = router.id('job');
    const created = await router.patch(`/jobs/${jobId}`, { channelId: 'voice', classificationPolicyId: classified });
    expect(created.status).toBe(201);
    expect(['pendingClassification', 'queued']).toContain((created.body as { status: string }).status);
    const queued = await router.waitForJob(jobId, (job) => job.status === 'queued');
    expect(queued).toMatchObject({
      queueId: billing,
      priority: 7,
      attachedWorkerSelectors: [{ key: 'lang', labelOperator: 'equal', value: 'fr', status: 'active' }],
    });
    const reclassified = await router.post(`/jobs/${jobId}:reclassify`, {});
    expect(reclassified.status).toBe(200);
    expect(reclassified.body).toEqual({});

    const nowhere = router.id('cp');
    await router.patch(`/classificationPolicies/${nowhere}`, {
      queueSelectorAttachments: [
        { kind: 'static', queueSelector: { key: 'dept', labelOperator: 'equal', value: 'none' } },
      ],
    });
    const lost = router.id('job');
    await router.patch(`/jobs/${lost}`, { channelId: 'voice', classificationPolicyId: nowhere });
    await router.waitForJob(lost, (job) => job.status === 'classificationFailed');
  });

  it('lists jobs and workers with every filter, paging through nextLink', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const jobs = Array.from({ length: 5 }, () => router.id('job'));
    for (const jobId of jobs) await router.patch(`/jobs/${jobId}`, { channelId: 'email', queueId });
    const scheduled = router.id('job');
    const scheduleAt = new Date(Date.now() + 3_600_000).toISOString();
    await router.patch(`/jobs/${scheduled}`, {
      channelId: 'email',
      queueId,
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt },
    });
    const collect = async (first: string) => {
      const ids: string[] = [];
      let next: string | undefined = first;
      let pages = 0;
      while (next !== undefined) {
        const page = listPage.parse((await stack.http.get(next).set(tenant.auth)).body);
        ids.push(...page.value.map((item) => item.id));
        next = page.nextLink;
        pages += 1;
      }
      return { ids, pages };
    };
    const api = 'api-version=2023-11-01';
    // The index is written by the router just after each change: wait until it has them all.
    await router.waitForJob(scheduled, (job) => job.status === 'scheduled');
    let queued = await collect(`/routing/jobs?${api}&status=queued&queueId=${queueId}&maxpagesize=2`);
    for (let i = 0; i < 50 && queued.ids.length < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      queued = await collect(`/routing/jobs?${api}&status=queued&queueId=${queueId}&maxpagesize=2`);
    }
    expect(queued.ids.sort()).toEqual([...jobs].sort());
    expect(queued.pages).toBeGreaterThanOrEqual(3);
    const inWindow = await collect(
      `/routing/jobs?${api}&queueId=${queueId}&scheduledAfter=${encodeURIComponent(new Date().toISOString())}` +
        `&scheduledBefore=${encodeURIComponent(new Date(Date.now() + 7_200_000).toISOString())}`,
    );
    expect(inWindow.ids).toEqual([scheduled]);
    const byChannel = await collect(`/routing/jobs?${api}&channelId=nothing-here`);
    expect(byChannel.ids).toEqual([]);

    const [idle, busy] = [router.id('w'), router.id('w')];
    await router.patch(`/workers/${idle}`, {
      capacity: 1,
      queues: [queueId],
      channels: [{ channelId: 'sms', capacityCostPerJob: 1 }],
      availableForOffers: false,
    });
    await register(router, busy, queueId, { channels: [{ channelId: 'email', capacityCostPerJob: 1 }] });
    await router.waitForWorker(busy, (w) => w.offers.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const withCapacity = await collect(`/routing/workers?${api}&queueId=${queueId}&hasCapacity=true`);
    expect(withCapacity.ids).toEqual([idle]);
    const active = await collect(`/routing/workers?${api}&queueId=${queueId}&state=active`);
    expect(active.ids).toEqual([busy]);
    const email = await collect(`/routing/workers?${api}&channelId=email&queueId=${queueId}`);
    expect(email.ids).toEqual([busy]);
  });

  it('operators find a job workflow by TenantId, Capability and WorkStatus; its history names the operations', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const jobId = router.id('job');
    await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
    await router.post(`/jobs/${jobId}:cancel`, { note: 'test' });
    const workflowId = routerJobWorkflowId(tenant.id, jobId);
    const query = `TenantId = "${tenant.id}" AND Capability = "routing" AND WorkStatus = "cancelled"`;
    let found: string[] = [];
    for (let i = 0; i < 100 && !found.includes(workflowId); i++) {
      found = [];
      for await (const execution of stack.client.workflow.list({ query })) found.push(execution.workflowId);
      if (!found.includes(workflowId)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found).toContain(workflowId);
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const updates = (history.events ?? []).flatMap((event) => {
      const name = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
      return name ? [name] : [];
    });
    expect(updates).toEqual(['upsertJob', 'cancelJob']);
  });
});
