/**
 * Router API helpers for integration tests: requests with the test tenant's Bearer key and api-version, fixtures
 * (a distribution policy and queue), and polls for what the routing workflows do asynchronously (offers).
 */
import { z } from 'zod';
import type { TestStack, TestTenant } from './stack';

const API = 'api-version=2023-11-01';

const workerView = z
  .object({
    id: z.string(),
    state: z.string(),
    offers: z.array(
      z.object({ offerId: z.string(), jobId: z.string(), capacityCost: z.number(), expiresAt: z.string() }).loose(),
    ),
    assignedJobs: z.array(z.object({ assignmentId: z.string(), jobId: z.string() }).loose()),
    loadRatio: z.number(),
    etag: z.string(),
  })
  .loose();
export type WorkerView = z.infer<typeof workerView>;
const jobView = z.object({ id: z.string(), status: z.string(), etag: z.string() }).loose();
export type JobView = z.infer<typeof jobView>;

let seq = 0;

export function routerFixtures(stack: TestStack, tenant: TestTenant) {
  const path = (p: string) => `/routing${p}${p.includes('?') ? '&' : '?'}${API}`;
  const patch = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    stack.http
      .patch(path(p))
      .set(tenant.auth)
      .set(headers)
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify(body));
  const post = (p: string, body?: unknown) => {
    const request = stack.http.post(path(p)).set(tenant.auth);
    return body === undefined ? request : request.set('content-type', 'application/json').send(JSON.stringify(body));
  };
  const get = (p: string) => stack.http.get(path(p)).set(tenant.auth);
  const del = (p: string) => stack.http.delete(path(p)).set(tenant.auth);
  const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  const worker = async (workerId: string): Promise<WorkerView> =>
    workerView.parse((await get(`/workers/${workerId}`)).body);
  const job = async (jobId: string): Promise<JobView> => jobView.parse((await get(`/jobs/${jobId}`)).body);

  async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let last: T = await read();
    while (!done(last)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      last = await read();
    }
    return last;
  }

  return {
    id,
    patch,
    post,
    get,
    del,
    worker,
    job,
    /** A distribution policy and a queue using it. */
    async queue(options: { offerExpiresAfterSeconds?: number; mode?: object; labels?: object }) {
      const policyId = id('dp');
      const queueId = id('q');
      const policy = await patch(`/distributionPolicies/${policyId}`, {
        offerExpiresAfterSeconds: options.offerExpiresAfterSeconds ?? 60,
        mode: options.mode ?? { kind: 'longestIdle' },
      });
      if (policy.status !== 201) throw new Error(`policy: ${policy.status} ${JSON.stringify(policy.body)}`);
      const queue = await patch(`/queues/${queueId}`, { distributionPolicyId: policyId, labels: options.labels ?? {} });
      if (queue.status !== 201) throw new Error(`queue: ${queue.status} ${JSON.stringify(queue.body)}`);
      return { policyId, queueId };
    },
    waitForWorker: (workerId: string, done: (w: WorkerView) => boolean, timeoutMs = 10_000) =>
      poll(() => worker(workerId), done, `worker ${workerId}`, timeoutMs),
    waitForJob: (jobId: string, done: (j: JobView) => boolean, timeoutMs = 10_000) =>
      poll(() => job(jobId), done, `job ${jobId}`, timeoutMs),
    /** Waits until one of `workerIds` holds a live (unexpired) offer for `jobId`. */
    async waitForOffer(jobId: string, workerIds: readonly string[], timeoutMs = 10_000) {
      const found = await poll(
        async () => {
          for (const workerId of workerIds) {
            // An expired offer may still show until its job reports the expiry to the router.
            const offer = (await worker(workerId)).offers.find(
              (o) => o.jobId === jobId && Date.parse(o.expiresAt) > Date.now(),
            );
            if (offer) return { workerId, offerId: offer.offerId };
          }
          return undefined;
        },
        (value) => value !== undefined,
        `an offer of ${jobId}`,
        timeoutMs,
      );
      if (!found) throw new Error('unreachable');
      return found;
    },
  };
}
