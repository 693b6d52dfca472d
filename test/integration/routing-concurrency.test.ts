/**
 * Issue 9, the invariants of matching under concurrency (docs/routing.md "How matching is serialised"), on the real
 * servers through the HTTP API: a job is assigned at most once, a worker never holds more than its capacity allows,
 * and conditional updates are atomic.
 */
import { z } from 'zod';
import { routerFixtures } from '../support/routing';
import { useTestStack } from '../support/stack';

const jobView = z
  .object({ status: z.string(), etag: z.string(), assignments: z.record(z.string(), z.object({}).loose()) })
  .loose();

describe('routing under concurrency', () => {
  const { stack, tenant } = useTestStack();
  const r = () => routerFixtures(stack, tenant);

  it('30 concurrent accepts of one job by 30 workers: exactly one 200, the others 409', async () => {
    const router = r();
    const { queueId } = await router.queue({ mode: { kind: 'longestIdle', maxConcurrentOffers: 30 } });
    const workers = Array.from({ length: 30 }, () => router.id('w'));
    await Promise.all(
      workers.map((workerId) =>
        router.patch(`/workers/${workerId}`, {
          capacity: 1,
          queues: [queueId],
          channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
          availableForOffers: true,
        }),
      ),
    );
    const jobId = router.id('job');
    expect((await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId })).status).toBe(201);
    const offers = await Promise.all(workers.map((workerId) => router.waitForOffer(jobId, [workerId])));

    const answers = await Promise.all(
      offers.map(({ workerId, offerId }) => router.post(`/workers/${workerId}/offers/${offerId}:accept`)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(29);
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(answer.headers['x-ms-error-code']).toBe('Conflict');
    }
    const job = jobView.parse((await router.get(`/jobs/${jobId}`)).body);
    expect(job.status).toBe('assigned');
    expect(Object.keys(job.assignments)).toHaveLength(1);
    // The losers' capacity comes back: every other worker ends with nothing held.
    const winner = offers[answers.findIndex((a) => a.status === 200)]?.workerId;
    for (const workerId of workers.filter((w) => w !== winner)) {
      await router.waitForWorker(workerId, (w) => w.offers.length === 0 && w.assignedJobs.length === 0);
    }
  });

  it('30 concurrent PATCHes with the same If-Match: exactly one succeeds, the others get 412', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    const jobId = router.id('job');
    const created = await router.patch(`/jobs/${jobId}`, {
      channelId: 'voice',
      queueId,
      matchingMode: { kind: 'suspend' },
    });
    const etag = jobView.parse(created.body).etag;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_unused, i) =>
        router.patch(`/jobs/${jobId}`, { labels: { attempt: i } }, { 'if-match': etag }),
      ),
    );
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 412)).toHaveLength(29);
    const job = jobView.parse((await router.get(`/jobs/${jobId}`)).body);
    expect(job.etag).toBe(jobView.parse(ok[0]?.body).etag);
    expect(job.labels).toEqual(ok[0]?.body.labels);
  });

  it('40 jobs for 5 workers of capacity 2: no worker ever holds more than 2, every job is assigned once', async () => {
    const router = r();
    const { queueId } = await router.queue({ mode: { kind: 'roundRobin', maxConcurrentOffers: 2 } });
    const workers = Array.from({ length: 5 }, () => router.id('w'));
    await Promise.all(
      workers.map((workerId) =>
        router.patch(`/workers/${workerId}`, {
          capacity: 2,
          queues: [queueId],
          channels: [{ channelId: 'chat', capacityCostPerJob: 1 }],
          availableForOffers: true,
        }),
      ),
    );
    const jobs = Array.from({ length: 40 }, () => router.id('job'));
    await Promise.all(jobs.map((jobId) => router.patch(`/jobs/${jobId}`, { channelId: 'chat', queueId })));

    const assignedTo = new Map<string, string>();
    const deadline = Date.now() + 60_000;
    while (assignedTo.size < jobs.length) {
      if (Date.now() > deadline) throw new Error(`only ${assignedTo.size} of ${jobs.length} jobs were assigned`);
      const views = await Promise.all(workers.map((workerId) => router.worker(workerId)));
      for (const view of views) expect(view.offers.length + view.assignedJobs.length).toBeLessThanOrEqual(2);
      // Every worker accepts everything it is offered, all at once, and closes what it holds.
      await Promise.all(
        views.flatMap((view) => [
          ...view.offers.map(async (offer) => {
            const answer = await router.post(`/workers/${view.id}/offers/${offer.offerId}:accept`);
            if (answer.status === 200) {
              expect(assignedTo.has(offer.jobId)).toBe(false);
              assignedTo.set(offer.jobId, view.id);
            } else {
              expect([404, 409]).toContain(answer.status);
            }
          }),
          ...view.assignedJobs.map(async (assignment) => {
            const path = `/jobs/${assignment.jobId}/assignments/${assignment.assignmentId}`;
            await router.post(`${path}:complete`);
            await router.post(`${path}:close`);
          }),
        ]),
      );
    }
    for (const jobId of jobs) {
      const job = jobView.parse((await router.get(`/jobs/${jobId}`)).body);
      expect(Object.keys(job.assignments)).toHaveLength(1);
    }
  }, 90_000);
});
