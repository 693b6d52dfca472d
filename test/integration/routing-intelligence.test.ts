/**
 * Issue 10, exception policies (spec §4.6, §4.7) on the real servers: a queue-length trigger evaluated when a job
 * joins, wait-time triggers by durable timer, and the cancel, manualReclassify and reclassify actions.
 */
import { routerFixtures } from '../support/routing';
import { useTestStack } from '../support/stack';

describe('routing: exception policies', () => {
  const { stack, tenant } = useTestStack();
  const r = () => routerFixtures(stack, tenant);

  /** A queue of the given distribution policy using a new exception policy with these rules. */
  async function queueWithRules(router: ReturnType<typeof r>, policyId: string, exceptionRules: object[]) {
    const exceptionPolicyId = router.id('ep');
    const created = await router.patch(`/exceptionPolicies/${exceptionPolicyId}`, { exceptionRules });
    expect(created.status).toBe(201);
    const queueId = router.id('q');
    expect(
      (await router.patch(`/queues/${queueId}`, { distributionPolicyId: policyId, exceptionPolicyId })).status,
    ).toBe(201);
    return queueId;
  }

  it('queueLength: a job joining a queue with more jobs ahead than the threshold is cancelled', async () => {
    const router = r();
    const { policyId } = await router.queue({});
    const queueId = await queueWithRules(router, policyId, [
      {
        id: 'too-long',
        trigger: { kind: 'queueLength', threshold: 1 },
        actions: [{ kind: 'cancel', dispositionCode: 'QueueFull', note: 'queue too long' }],
      },
    ]);
    const jobs = [router.id('job'), router.id('job'), router.id('job')];
    for (const jobId of jobs) {
      await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
      await router.waitForJob(jobId, (job) => job.status === 'queued' || job.status === 'cancelled');
    }
    const last = await router.waitForJob(jobs[2] ?? '', (job) => job.status === 'cancelled');
    expect(last).toMatchObject({ dispositionCode: 'QueueFull', notes: [{ message: 'queue too long' }] });
    for (const jobId of jobs.slice(0, 2)) expect((await router.job(jobId)).status).toBe('queued');
  });

  it('waitTime: manualReclassify moves a waiting job to another queue with a new priority', async () => {
    const router = r();
    const { policyId, queueId: overflow } = await router.queue({});
    const queueId = await queueWithRules(router, policyId, [
      {
        id: 'escalate',
        trigger: { kind: 'waitTime', thresholdSeconds: 1 },
        actions: [{ kind: 'manualReclassify', queueId: overflow, priority: 10 }],
      },
    ]);
    const jobId = router.id('job');
    const created = await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId });
    expect(created.status).toBe(201);
    const moved = await router.waitForJob(jobId, (job) => job.queueId === overflow);
    expect(moved).toMatchObject({ status: 'queued', priority: 10 });
    // The overflow queue has no exception policy: the job stays there.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await router.job(jobId)).toMatchObject({ queueId: overflow, priority: 10 });
  });

  it('waitTime: reclassify upserts labels and classifies the job again', async () => {
    const router = r();
    const tier = router.id('tier');
    const { policyId, queueId: escalated } = await router.queue({ labels: { tier } });
    const classificationPolicyId = router.id('cp');
    await router.patch(`/classificationPolicies/${classificationPolicyId}`, {
      queueSelectorAttachments: [
        { kind: 'static', queueSelector: { key: 'tier', labelOperator: 'equal', value: tier } },
      ],
      prioritizationRule: { kind: 'static', value: 20 },
    });
    const queueId = await queueWithRules(router, policyId, [
      {
        id: 'reclassify',
        trigger: { kind: 'waitTime', thresholdSeconds: 1 },
        actions: [{ kind: 'reclassify', classificationPolicyId, labelsToUpsert: { escalated: true } }],
      },
    ]);
    const jobId = router.id('job');
    await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId, labels: { lang: 'en' } });
    const reclassified = await router.waitForJob(jobId, (job) => job.queueId === escalated && job.status === 'queued');
    expect(reclassified).toMatchObject({
      classificationPolicyId,
      priority: 20,
      labels: { lang: 'en', escalated: true },
    });
  });
});
