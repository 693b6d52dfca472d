/**
 * Issue 9, jobs, workers and offers on the real servers through the HTTP API: the matched path (offer, accept,
 * complete, close), decline and unassign, cancel and delete, scheduling, suspension, selector expiry, preconditions
 * and the errors of illegal transitions.
 */
import { z } from 'zod';
import { type TestTenant, useTestStack } from '../support/stack';
import { routerFixtures } from '../support/routing';

const offerSchema = z.object({ offerId: z.string(), jobId: z.string(), capacityCost: z.number() });
const workerSchema = z
  .object({
    id: z.string(),
    state: z.string(),
    offers: z.array(offerSchema),
    assignedJobs: z.array(z.object({ assignmentId: z.string(), jobId: z.string() })),
    loadRatio: z.number(),
    etag: z.string(),
  })
  .loose();
const jobSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    etag: z.string(),
    assignments: z.record(z.string(), z.object({ assignmentId: z.string(), workerId: z.string().optional() }).loose()),
  })
  .loose();

describe('router jobs, workers and offers', () => {
  const { stack, tenant } = useTestStack();
  const router = (owner: TestTenant = tenant) => routerFixtures(stack, owner);

  it('offers a queued job to a registered worker; accept, complete and close free the capacity', async () => {
    const r = router();
    const { queueId } = await r.queue({ offerExpiresAfterSeconds: 60 });
    const workerId = r.id('w');
    const registered = await r.patch(`/workers/${workerId}`, {
      capacity: 10,
      queues: [queueId],
      channels: [{ channelId: 'voice', capacityCostPerJob: 10 }],
      labels: { skill: 'sales' },
      availableForOffers: true,
    });
    expect(registered.status).toBe(201);
    expect(workerSchema.parse(registered.body)).toMatchObject({ state: 'active', offers: [], loadRatio: 0 });
    expect(registered.body).toMatchObject({ labels: { skill: 'sales', Id: workerId } });

    const jobId = r.id('job');
    const created = await r.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId, priority: 5 });
    expect(created.status).toBe(201);
    expect(['created', 'queued']).toContain(jobSchema.parse(created.body).status);
    expect(created.headers.etag).toBe(jobSchema.parse(created.body).etag);

    const offered = await r.waitForWorker(workerId, (w) => w.offers.length === 1);
    const [offer] = offered.offers;
    expect(offer).toMatchObject({ jobId, capacityCost: 10 });
    expect(offered.loadRatio).toBe(1);

    const accepted = await r.post(`/workers/${workerId}/offers/${offer?.offerId}:accept`);
    expect(accepted.status).toBe(200);
    const { assignmentId } = z
      .object({ assignmentId: z.string(), jobId: z.string(), workerId: z.string() })
      .parse(accepted.body);
    expect(accepted.body).toMatchObject({ jobId, workerId });

    // Read-your-writes: the accept's answer means the job shows it.
    const assigned = jobSchema.parse((await r.get(`/jobs/${jobId}`)).body);
    expect(assigned.status).toBe('assigned');
    expect(assigned.assignments[assignmentId]).toMatchObject({ workerId });
    await r.waitForWorker(workerId, (w) => w.offers.length === 0 && w.assignedJobs.length === 1);

    expect((await r.post(`/jobs/${jobId}/assignments/${assignmentId}:complete`, { note: 'done' })).status).toBe(200);
    expect(jobSchema.parse((await r.get(`/jobs/${jobId}`)).body).status).toBe('completed');
    // Wrap-up still holds the capacity.
    expect((await r.worker(workerId)).loadRatio).toBe(1);

    const closed = await r.post(`/jobs/${jobId}/assignments/${assignmentId}:close`, {});
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({});
    expect((await r.get(`/jobs/${jobId}`)).body).toMatchObject({ status: 'closed', dispositionCode: 'Closed' });
    await r.waitForWorker(workerId, (w) => w.assignedJobs.length === 0 && w.loadRatio === 0);

    expect((await r.del(`/jobs/${jobId}`)).status).toBe(204);
    expect((await r.get(`/jobs/${jobId}`)).status).toBe(404);
  });

  it('refuses illegal transitions with specific codes and changes nothing', async () => {
    const r = router();
    const { queueId } = await r.queue({});
    const jobId = r.id('job');
    await r.patch(`/jobs/${jobId}`, { channelId: 'chat', queueId });
    const before = jobSchema.parse((await r.get(`/jobs/${jobId}`)).body);

    const complete = await r.post(`/jobs/${jobId}/assignments/nope:complete`);
    expect(complete.status).toBe(404);
    expect(complete.headers['x-ms-error-code']).toBe('NotFound');

    const del = await r.del(`/jobs/${jobId}`);
    expect(del.status).toBe(409);
    expect(del.body).toMatchObject({ error: { code: 'Conflict' } });

    const stale = await r.patch(`/jobs/${jobId}`, { priority: 9 }, { 'if-match': '"stale"' });
    expect(stale.status).toBe(412);
    const after = jobSchema.parse((await r.get(`/jobs/${jobId}`)).body);
    expect(after.etag).toBe(before.etag);

    expect((await r.post(`/jobs/${jobId}:cancel`, { note: 'no agents', dispositionCode: 'Abandoned' })).status).toBe(
      200,
    );
    expect((await r.get(`/jobs/${jobId}`)).body).toMatchObject({ status: 'cancelled', dispositionCode: 'Abandoned' });
    const again = await r.post(`/jobs/${jobId}:cancel`);
    expect(again.status).toBe(409);

    const unknown = await r.post(`/jobs/${r.id('missing')}:cancel`);
    expect(unknown.status).toBe(404);
    const badQueue = await r.patch(`/jobs/${r.id('job')}`, { channelId: 'chat', queueId: 'no-such-queue' });
    expect(badQueue.status).toBe(400);
    expect(JSON.stringify(badQueue.body)).toContain('queueId');
  });

  it('declines go to the next worker; unassign re-queues at most three times', async () => {
    const r = router();
    const { queueId } = await r.queue({});
    const [first, second] = [r.id('w'), r.id('w')];
    for (const workerId of [first, second]) {
      await r.patch(`/workers/${workerId}`, {
        capacity: 1,
        queues: [queueId],
        channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
        availableForOffers: true,
      });
    }
    const jobId = r.id('job');
    await r.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
    const holder = await r.waitForOffer(jobId, [first, second]);
    const other = holder.workerId === first ? second : first;
    expect((await r.post(`/workers/${holder.workerId}/offers/${holder.offerId}:decline`)).status).toBe(200);
    const next = await r.waitForOffer(jobId, [other]);
    const declineAgain = await r.post(`/workers/${holder.workerId}/offers/${holder.offerId}:decline`);
    expect(declineAgain.status).toBe(404);

    const accepted = z
      .object({ assignmentId: z.string() })
      .parse((await r.post(`/workers/${next.workerId}/offers/${next.offerId}:accept`)).body);
    const unassigned = await r.post(`/jobs/${jobId}/assignments/${accepted.assignmentId}:unassign`, {});
    expect(unassigned.status).toBe(200);
    expect(unassigned.body).toEqual({ jobId, unassignmentCount: 1 });
    expect((await r.get(`/jobs/${jobId}`)).body).toMatchObject({ status: 'queued' });
  });

  it('schedules a job: scheduled, then waitingForActivation at scheduleAt, then queued when activated', async () => {
    const r = router();
    const { queueId } = await r.queue({});
    const jobId = r.id('job');
    const scheduleAt = new Date(Date.now() + 1500).toISOString();
    const created = await r.patch(`/jobs/${jobId}`, {
      channelId: 'voice',
      queueId,
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt },
    });
    expect(created.status).toBe(201);
    expect(['pendingSchedule', 'scheduled']).toContain(jobSchema.parse(created.body).status);
    const waiting = await r.waitForJob(jobId, (job) => job.status === 'waitingForActivation', 10_000);
    expect(waiting).toHaveProperty('scheduledAt');
    expect(waiting).not.toHaveProperty('enqueuedAt');
    const activated = await r.patch(`/jobs/${jobId}`, { matchingMode: { kind: 'queueAndMatch' }, priority: 100 });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'queued', priority: 100 });
    expect(activated.body).toHaveProperty('enqueuedAt');
    expect(activated.body).toHaveProperty('scheduledAt');
  });
});
