/**
 * Issue 10 on the real servers: exception policies (spec §4.6, §4.7) — a queue-length trigger evaluated when a job
 * joins, wait-time triggers by durable timer, the cancel, manualReclassify and reclassify actions — and bestWorker
 * scoring rules (§4.1).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { routerFixtures } from '../support/routing';
import { useTestStack } from '../support/stack';

describe('routing: exception policies and scoring rules', () => {
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

  it('bestWorker with an expression scoringRule offers to the highest score, or the lowest with descendingOrder false', async () => {
    const router = r();
    for (const descendingOrder of [true, false]) {
      const { queueId } = await router.queue({
        mode: {
          kind: 'bestWorker',
          scoringRule: { kind: 'expression', expression: 'worker.Skill * 2 + If(job.vip, 1, 0)' },
          scoringRuleOptions: { descendingOrder },
        },
      });
      const [novice, expert] = [router.id('novice'), router.id('expert')];
      for (const [workerId, skill] of [
        [novice, 1],
        [expert, 5],
      ] as const) {
        await router.patch(`/workers/${workerId}`, {
          capacity: 1,
          queues: [queueId],
          channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
          labels: { Skill: skill },
          availableForOffers: true,
        });
      }
      const jobId = router.id('job');
      await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId, labels: { vip: true } });
      const offer = await router.waitForOffer(jobId, [novice, expert]);
      expect(offer.workerId).toBe(descendingOrder ? expert : novice);
    }
  });

  it('bestWorker with a function scoringRule: workers scored by the endpoint, one by one or in batches', async () => {
    const seen: unknown[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const payload = JSON.parse(body) as { worker?: { Skill: number }; workers?: { Skill: number }[] };
        seen.push(payload);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(payload.workers ? payload.workers.map((w) => w.Skill) : (payload.worker?.Skill ?? 0)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const functionUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/score`;
    try {
      const router = r();
      for (const isBatchScoringEnabled of [false, true]) {
        const { queueId } = await router.queue({
          mode: {
            kind: 'bestWorker',
            scoringRule: { kind: 'function', functionUri },
            scoringRuleOptions: { isBatchScoringEnabled, batchSize: 10 },
          },
        });
        const [novice, expert] = [router.id('novice'), router.id('expert')];
        // The novice registers first: idle longest, it would win every tie, so only the scores can pick the expert.
        for (const [workerId, skill] of [
          [novice, 2],
          [expert, 7],
        ] as const) {
          await router.patch(`/workers/${workerId}`, {
            capacity: 1,
            queues: [queueId],
            channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
            labels: { Skill: skill },
            availableForOffers: true,
          });
        }
        const jobId = router.id('job');
        await router.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId, labels: { lang: 'fr' } });
        const offer = await router.waitForOffer(jobId, [novice, expert]);
        expect(offer.workerId).toBe(expert);
      }
      expect(seen).toContainEqual(
        expect.objectContaining({ job: { lang: 'fr' }, selectors: [], worker: expect.anything() }),
      );
      expect(seen).toContainEqual(
        expect.objectContaining({ workers: expect.arrayContaining([{ Skill: 7, Id: expect.any(String) }]) }),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an expression that does not parse is refused at upsert with its position', async () => {
    const router = r();
    const answer = await router.patch(`/distributionPolicies/${router.id('dp')}`, {
      offerExpiresAfterSeconds: 30,
      mode: { kind: 'bestWorker', scoringRule: { kind: 'expression', expression: 'worker.Skill *' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'BadRequest' } });
    expect(JSON.stringify(answer.body)).toContain('mode.scoringRule.expression');
    expect(JSON.stringify(answer.body)).toContain('position 14');
  });
});
