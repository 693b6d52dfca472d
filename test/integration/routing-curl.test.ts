/**
 * Issue 9 through real clients over a real socket: curl drives a job's whole life (the quick start of
 * docs/routing.md), and the deletion rules of spec §6.7 that jobs and workers add.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { curl, type CurlResult } from '../support/socket-clients';
import { routerFixtures } from '../support/routing';
import { useTestStack } from '../support/stack';

const API = 'api-version=2023-11-01';

describe('routing through curl', () => {
  const { stack, tenant } = useTestStack();
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = stack.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (method: string, path: string, body?: unknown): Promise<CurlResult> =>
    curl([
      '-X',
      method,
      '-H',
      `Authorization: Bearer ${tenant.apiKey}`,
      ...(body === undefined
        ? []
        : ['-H', `Content-Type: ${method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'}`]),
      ...(body === undefined ? [] : ['--data-binary', JSON.stringify(body)]),
      `${base}/routing${path}${path.includes('?') ? '&' : '?'}${API}`,
    ]);
  const json = (result: CurlResult): Record<string, unknown> => JSON.parse(result.body) as Record<string, unknown>;
  const header = (result: CurlResult, name: string): string | undefined =>
    new RegExp(`^${name}: (.*)$`, 'im').exec(result.headers)?.[1]?.trim();

  it('creates a policy, a queue, a worker and a job, then accepts, completes, closes and deletes it', async () => {
    const id = `${Date.now().toString(36)}`;
    expect(
      (
        await call('PATCH', `/distributionPolicies/dp-${id}`, {
          offerExpiresAfterSeconds: 60,
          mode: { kind: 'longestIdle' },
        })
      ).status,
    ).toBe(201);
    expect((await call('PATCH', `/queues/q-${id}`, { distributionPolicyId: `dp-${id}` })).status).toBe(201);
    const worker = await call('PATCH', `/workers/w-${id}`, {
      capacity: 1,
      queues: [`q-${id}`],
      channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
      availableForOffers: true,
    });
    expect(worker.status).toBe(201);
    expect(header(worker, 'ETag')).toBe(json(worker).etag);
    expect(header(worker, 'Last-Modified')).toMatch(/GMT$/);

    const job = await call('PATCH', `/jobs/job-${id}`, { channelId: 'voice', queueId: `q-${id}`, priority: 1 });
    expect(job.status).toBe(201);
    expect(header(job, 'Content-Type')).toMatch(/^application\/json/);

    let offerId: string | undefined;
    for (let i = 0; i < 100 && !offerId; i++) {
      const offers = json(await call('GET', `/workers/w-${id}`)).offers as { offerId: string }[];
      offerId = offers[0]?.offerId;
      if (!offerId) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!offerId) throw new Error('no offer');
    // The official client sends :accept with no body and no Content-Type.
    const accepted = await call('POST', `/workers/w-${id}/offers/${offerId}:accept`);
    expect(accepted.status).toBe(200);
    const { assignmentId } = json(accepted) as { assignmentId: string };
    // …and the other actions with Content-Type application/json and an empty body.
    const complete = await curl([
      '-X',
      'POST',
      '-H',
      `Authorization: Bearer ${tenant.apiKey}`,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      '',
      `${base}/routing/jobs/job-${id}/assignments/${assignmentId}:complete?${API}`,
    ]);
    expect(complete.status).toBe(200);
    expect(json(complete)).toEqual({});
    expect(
      (await call('POST', `/jobs/job-${id}/assignments/${assignmentId}:close`, { dispositionCode: 'Sold' })).status,
    ).toBe(200);
    expect(json(await call('GET', `/jobs/job-${id}`))).toMatchObject({ status: 'closed', dispositionCode: 'Sold' });
    const deleted = await call('DELETE', `/jobs/job-${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
  });

  it('refuses to delete what active jobs or workers use (spec §6.7) until they are gone', async () => {
    const router = routerFixtures(stack, tenant);
    const { policyId, queueId } = await router.queue({});
    const classification = router.id('cp');
    await router.patch(`/classificationPolicies/${classification}`, { fallbackQueueId: queueId });
    const jobId = router.id('job');
    await router.patch(`/jobs/${jobId}`, { channelId: 'voice', classificationPolicyId: classification });
    await router.waitForJob(jobId, (job) => job.status === 'queued');
    const workerId = router.id('w');
    await router.patch(`/workers/${workerId}`, { capacity: 1, queues: [queueId], channels: [] });

    // The rules read the job index, which the router writes just after the job changes: wait until it lists the job.
    const listed = async (status: string) =>
      (
        json(await call('GET', `/jobs?status=${status}&classificationPolicyId=${classification}`)).value as {
          id: string;
        }[]
      )
        .map((job) => job.id)
        .includes(jobId);
    for (let i = 0; i < 100 && !(await listed('active')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const policyDelete = await call('DELETE', `/classificationPolicies/${classification}`);
    expect(policyDelete.status).toBe(400);
    expect(policyDelete.body).toContain('ActiveJobWithClassificationPolicyExist');

    const queueDelete = await call('DELETE', `/queues/${queueId}`);
    expect(queueDelete.status).toBe(409);
    expect(queueDelete.body).toContain('There is active job with this queue');
    expect(queueDelete.body).toContain('There is classification policy with this queue as fallback queue');
    expect(queueDelete.body).toContain('There is an assigned worker to this queue');

    expect((await call('POST', `/jobs/${jobId}:cancel`)).status).toBe(200);
    expect((await call('DELETE', `/jobs/${jobId}`)).status).toBe(204);
    expect((await call('DELETE', `/workers/${workerId}`)).status).toBe(204);
    expect((await call('DELETE', `/workers/${workerId}`)).status).toBe(404);
    for (let i = 0; i < 100 && (await listed('all')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await call('DELETE', `/classificationPolicies/${classification}`)).status).toBe(204);
    expect((await call('DELETE', `/queues/${queueId}`)).status).toBe(204);
    expect((await call('DELETE', `/distributionPolicies/${policyId}`)).status).toBe(204);
  });
});
