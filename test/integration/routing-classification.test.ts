/**
 * Classification on the real servers (spec §4.3–§4.5, §6.3): the job workflow's classifyJob activity calls the
 * function and webhook rules of a policy over HTTP (a local server this file starts), evaluates PowerFx conditions
 * and weighted allocations, and queues the job or fails its classification. Driven through the HTTP API.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { routerJobWorkflowId } from '../../domain/ids';
import { routerFixtures } from '../support/routing';
import { useTestStack } from '../support/stack';

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (request: Seen, count: number) => { status: number; body?: unknown };

describe('routing: classification with rules that call out', () => {
  const { stack, tenant } = useTestStack();
  const r = () => routerFixtures(stack, tenant);

  let server: http.Server;
  let base: string;
  const handlers = new Map<string, Handler>();
  const seen: Seen[] = [];
  const hits = (path: string) => seen.filter((s) => s.path === path);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        const request = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        seen.push(request);
        const handler = handlers.get(path);
        const reply = handler ? handler(request, hits(path).length) : { status: 404 };
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  type Router = ReturnType<typeof r>;
  /** A classification policy; fails the test unless it is stored. */
  const classificationPolicy = async (router: Router, body: object) => {
    const policyId = router.id('cp');
    const stored = await router.patch(`/classificationPolicies/${policyId}`, body);
    expect(stored.status).toBe(201);
    return policyId;
  };
  /** Creates a job with the policy and waits until it is queued or its classification failed. */
  const classifyJob = async (router: Router, classificationPolicyId: string, labels: object = {}) => {
    const jobId = router.id('job');
    const created = await router.patch(`/jobs/${jobId}`, { channelId: 'voice', classificationPolicyId, labels });
    expect(created.status).toBe(201);
    const job = await router.waitForJob(
      jobId,
      (j) => j.status === 'queued' || j.status === 'classificationFailed',
      20_000,
    );
    return { jobId, job };
  };
  /** The result of the job's last classifyJob activity, from its workflow history. */
  const classificationResult = async (jobId: string): Promise<unknown> => {
    const history = await stack.client.workflow.getHandle(routerJobWorkflowId(tenant.id, jobId)).fetchHistory();
    const results = (history.events ?? []).flatMap((event) => {
      const payload = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      return payload ? [defaultPayloadConverter.fromPayload(payload)] : [];
    });
    return results.at(-1);
  };

  it('a function rule sets the priority: POSTed {job: labels} with x-functions-key, its reply is the priority', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    handlers.set('/api/priority', (request) => {
      if (request.headers['x-functions-key'] !== 'fk-secret') return { status: 401 };
      const body = JSON.parse(request.body) as { job: { tier: number } };
      return { status: 200, body: body.job.tier * 10 };
    });
    const policyId = await classificationPolicy(router, {
      fallbackQueueId: queueId,
      prioritizationRule: {
        kind: 'function',
        functionUri: `${base}/api/priority`,
        credential: { functionKey: 'fk-secret' },
      },
    });
    const { job } = await classifyJob(router, policyId, { tier: 4, lang: 'fr' });
    expect(job).toMatchObject({ status: 'queued', queueId, priority: 40 });
    const [request] = hits('/api/priority');
    expect(JSON.parse(request?.body ?? '')).toEqual({ job: { tier: 4, lang: 'fr' } });
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('a webhook ruleEngine rule behind OAuth2: the token is fetched once for two jobs, its selectors attached', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    let issued = 0;
    handlers.set('/oauth/token', (request) => {
      const form = new URLSearchParams(request.body);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_secret') !== 'hook-secret') {
        return { status: 401, body: { error: 'invalid_client' } };
      }
      return { status: 200, body: { access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: 3600 } };
    });
    handlers.set('/hooks/selectors', (request) => {
      if (request.headers.authorization !== 'Bearer tok-1') return { status: 401 };
      const { job } = JSON.parse(request.body) as { job: { lang: string } };
      return {
        status: 200,
        body: [{ key: 'language', labelOperator: 'Equal', value: job.lang, expiresAfterSeconds: 300 }],
      };
    });
    const policyId = await classificationPolicy(router, {
      fallbackQueueId: queueId,
      workerSelectorAttachments: [
        {
          kind: 'ruleEngine',
          rule: {
            kind: 'webhook',
            authorizationServerUri: `${base}/oauth/token`,
            clientCredential: { clientId: 'ccflow-test', clientSecret: 'hook-secret' },
            webhookUri: `${base}/hooks/selectors`,
          },
        },
      ],
    });
    const first = await classifyJob(router, policyId, { lang: 'fr' });
    const second = await classifyJob(router, policyId, { lang: 'de' });
    expect(first.job).toMatchObject({
      status: 'queued',
      attachedWorkerSelectors: [
        { key: 'language', labelOperator: 'equal', value: 'fr', status: 'active', expiresAt: expect.any(String) },
      ],
    });
    expect(second.job).toMatchObject({
      status: 'queued',
      attachedWorkerSelectors: [{ key: 'language', labelOperator: 'equal', value: 'de' }],
    });
    expect(hits('/oauth/token')).toHaveLength(1);
    expect(hits('/hooks/selectors')).toHaveLength(2);
  });

  it('a rule answering 500 twice, then 200, is retried and the job classified', async () => {
    const router = r();
    const { queueId } = await router.queue({ labels: { dept: 'flaky' } });
    handlers.set('/api/flaky', (_request, count) =>
      count <= 2 ? { status: 500 } : { status: 200, body: { dept: 'flaky' } },
    );
    const policyId = await classificationPolicy(router, {
      queueSelectorAttachments: [{ kind: 'ruleEngine', rule: { kind: 'function', functionUri: `${base}/api/flaky` } }],
    });
    const { job } = await classifyJob(router, policyId);
    expect(job).toMatchObject({ status: 'queued', queueId });
    expect(hits('/api/flaky')).toHaveLength(3);
  });

  it('a rule answering 500 every time fails the classification with a reason naming the rule and the status', async () => {
    const router = r();
    const { queueId } = await router.queue({});
    handlers.set('/api/down', () => ({ status: 500 }));
    const policyId = await classificationPolicy(router, {
      fallbackQueueId: queueId,
      prioritizationRule: { kind: 'function', functionUri: `${base}/api/down` },
    });
    const { jobId, job } = await classifyJob(router, policyId);
    expect(job.status).toBe('classificationFailed');
    expect(hits('/api/down')).toHaveLength(3);
    expect(await classificationResult(jobId)).toEqual({
      ok: false,
      reason: `prioritizationRule: the function rule ${base}/api/down answered HTTP 500 (3 attempts)`,
    });
  });

  it('a conditional attachment with a PowerFx expression picks the queue from the job’s labels', async () => {
    const router = r();
    const vip = await router.queue({ labels: { tier: 'vip' } });
    const standard = await router.queue({});
    const policyId = await classificationPolicy(router, {
      fallbackQueueId: standard.queueId,
      queueSelectorAttachments: [
        {
          kind: 'conditional',
          condition: { kind: 'expression', expression: 'job.Escalated = true Or job.Spend > 1000' },
          queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: vip.queueId }],
        },
      ],
    });
    const escalated = await classifyJob(router, policyId, { Escalated: true });
    const big = await classifyJob(router, policyId, { Escalated: false, Spend: 5000 });
    const plain = await classifyJob(router, policyId, { Spend: 10 });
    expect(escalated.job).toMatchObject({ status: 'queued', queueId: vip.queueId });
    expect(big.job).toMatchObject({ status: 'queued', queueId: vip.queueId });
    expect(plain.job).toMatchObject({ status: 'queued', queueId: standard.queueId });
  });

  it('weightedAllocation spreads jobs over the allocations by weight', async () => {
    const router = r();
    const a = await router.queue({});
    const b = await router.queue({});
    const policyId = await classificationPolicy(router, {
      queueSelectorAttachments: [
        {
          kind: 'weightedAllocation',
          allocations: [
            { weight: 0.5, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: a.queueId }] },
            { weight: 0.5, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: b.queueId }] },
          ],
        },
      ],
      workerSelectorAttachments: [
        {
          kind: 'weightedAllocation',
          allocations: [
            { weight: 0.25, workerSelectors: [{ key: 'pool', labelOperator: 'equal', value: 'small' }] },
            { weight: 0.75, workerSelectors: [{ key: 'pool', labelOperator: 'equal', value: 'large' }] },
          ],
        },
      ],
    });
    const jobs = await Promise.all(Array.from({ length: 16 }, () => classifyJob(router, policyId)));
    const queues = jobs.map(({ job }) => (job as { queueId?: string }).queueId);
    expect(jobs.every(({ job }) => job.status === 'queued')).toBe(true);
    expect(new Set(queues)).toEqual(new Set([a.queueId, b.queueId]));
    for (const { job } of jobs) {
      expect((job as { attachedWorkerSelectors?: unknown }).attachedWorkerSelectors).toEqual([
        expect.objectContaining({ key: 'pool', value: expect.stringMatching(/^(small|large)$/) }),
      ]);
    }
  });
});
