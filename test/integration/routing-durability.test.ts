/**
 * Issue 9, durability: the worker process is killed (and, separately, the Temporal server is restarted) while jobs
 * are offered, queued behind an expiring worker selector and scheduled. Every durable timer still fires, no job is
 * lost and none is assigned twice.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../dev/ports';
import { ensureBinaries } from '../../dev/install';
import { type RunningService, startTemporal } from '../../dev/services';
import { exited, spawnWorker } from '../support/processes';
import { routerFixtures } from '../support/routing';
import { type TestStack, startTestStack, useTestStack } from '../support/stack';

const TIMER_SECONDS = 4;

type Router = ReturnType<typeof routerFixtures>;

/** An offered job, a job held back by a selector that expires, a scheduled job; all timers due in a few seconds. */
async function arrange(router: Router) {
  const { queueId } = await router.queue({ offerExpiresAfterSeconds: TIMER_SECONDS });
  const workerId = router.id('w');
  await router.patch(`/workers/${workerId}`, {
    capacity: 1,
    queues: [queueId],
    channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
    labels: { tier: 'silver' },
    availableForOffers: true,
  });
  const offered = router.id('offered');
  await router.patch(`/jobs/${offered}`, { channelId: 'voice', queueId });
  await router.waitForOffer(offered, [workerId]);
  const preferring = router.id('preferring');
  await router.patch(`/jobs/${preferring}`, {
    channelId: 'voice',
    queueId,
    requestedWorkerSelectors: [
      { key: 'tier', labelOperator: 'equal', value: 'gold', expiresAfterSeconds: TIMER_SECONDS },
    ],
  });
  const scheduled = router.id('scheduled');
  await router.patch(`/jobs/${scheduled}`, {
    channelId: 'voice',
    queueId,
    matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: new Date(Date.now() + TIMER_SECONDS * 1000).toISOString() },
  });
  await router.waitForJob(scheduled, (job) => job.status === 'scheduled');
  return { workerId, offered, preferring, scheduled };
}

/** After the restart: the schedule fired, the expired offer and selector let both jobs through, one at a time. */
async function verify(router: Router, jobs: Awaited<ReturnType<typeof arrange>>) {
  const { workerId, offered, preferring, scheduled } = jobs;
  const waiting = await router.waitForJob(scheduled, (job) => job.status === 'waitingForActivation', 60_000);
  expect(waiting).toHaveProperty('scheduledAt');

  for (const jobId of [offered, preferring]) {
    const offer = await router.waitForOffer(jobId, [workerId], 60_000);
    const accepted = await router.post(`/workers/${workerId}/offers/${offer.offerId}:accept`);
    expect(accepted.status).toBe(200);
    const { assignmentId } = accepted.body as { assignmentId: string };
    expect((await router.post(`/jobs/${jobId}/assignments/${assignmentId}:complete`)).status).toBe(200);
    expect((await router.post(`/jobs/${jobId}/assignments/${assignmentId}:close`)).status).toBe(200);
  }
  for (const jobId of [offered, preferring]) {
    const job = (await router.get(`/jobs/${jobId}`)).body as { status: string; assignments: object };
    expect(job.status).toBe('closed');
    expect(Object.keys(job.assignments)).toHaveLength(1);
  }
  const held = (await router.get(`/jobs/${preferring}`)).body as { requestedWorkerSelectors: { status: string }[] };
  expect(held.requestedWorkerSelectors[0]?.status).toBe('expired');
  await router.waitForWorker(workerId, (w) => w.offers.length === 0 && w.assignedJobs.length === 0);
}

describe('routing durability: the worker process is killed', () => {
  let worker: ChildProcess | undefined;
  afterAll(() => {
    worker?.kill('SIGKILL');
  });
  const { stack, tenant } = useTestStack({ workers: false });

  it('fires every timer after a new worker process starts; nothing is lost or assigned twice', async () => {
    worker = spawnWorker(stack.env);
    const router = routerFixtures(stack, tenant);
    const jobs = await arrange(router);
    worker.kill('SIGKILL');
    await exited(worker);
    // Every timer falls due while no worker runs.
    await new Promise((resolve) => setTimeout(resolve, (TIMER_SECONDS + 1) * 1000));
    expect((await router.job(jobs.scheduled)).status).toBe('scheduled');
    worker = spawnWorker(stack.env);
    await verify(router, jobs);
  }, 150_000);
});

describe('routing durability: the Temporal server is restarted', () => {
  let temporal: RunningService | undefined;
  let stack: TestStack | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-routing-restart-'));
  const binary = ensureBinaries().temporal;
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    temporal = await startTemporal({ binary, port, dbFile: path.join(dir, 'temporal.db') });
    stack = await startTestStack({ env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await temporal?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('keeps every job and timer across the restart', async () => {
    if (!stack || !temporal) throw new Error('setup failed');
    const router = routerFixtures(stack, stack.tenant);
    const jobs = await arrange(router);
    await temporal.stop();
    await new Promise((resolve) => setTimeout(resolve, (TIMER_SECONDS + 1) * 1000));
    temporal = await startTemporal({ binary, port, dbFile: path.join(dir, 'temporal.db') });
    await verify(router, jobs);
  }, 150_000);
});
