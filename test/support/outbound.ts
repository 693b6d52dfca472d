/**
 * OutboundBot RPC helpers for integration tests: an action called as the official SDK sends it (`POST /` with every
 * parameter in the query string), authenticated with the test tenant's Bearer key, and polls for what the outbound
 * workflows do asynchronously.
 */
import type { Response } from 'supertest';
import { routerFixtures } from './routing';
import type { TestStack, TestTenant } from './stack';

export type RpcParams = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

/** Flattens lists to `Name.1`, `Name.2`, … as the SDKs do; booleans as Python writes them. */
export function flattenRpcParams(params: RpcParams): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) value.forEach((item, index) => (flat[`${key}.${index + 1}`] = String(item)));
    else if (typeof value === 'boolean') flat[key] = value ? 'True' : 'False';
    else flat[key] = String(value as string | number);
  }
  return flat;
}

export function outboundRpc(stack: TestStack, tenant: TestTenant) {
  const call = (action: string, params: RpcParams = {}): Promise<Response> =>
    stack.http
      .post('/')
      .query({ Action: action, Version: '2019-12-26', ...flattenRpcParams(params) })
      .set(tenant.auth);
  /** Calls an action that must succeed; returns its JSON body. */
  const ok = async (action: string, params: RpcParams = {}): Promise<Record<string, unknown>> => {
    const response = await call(action, params);
    if (response.status !== 200) {
      throw new Error(`${action} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body as Record<string, unknown>;
  };
  return { call, ok };
}

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * A dialer registered as a router worker on an outbound instance's queue, driven step by step through the Job
 * Router API (what `ccflow dialer simulate` does in a loop).
 */
export function testDialer(stack: TestStack, tenant: TestTenant, instanceId: string, workerId: string) {
  const router = routerFixtures(stack, tenant);
  return {
    workerId,
    async register(capacity = 1) {
      const response = await router.patch(`/workers/${workerId}`, {
        capacity,
        queues: [`outbound-${instanceId}`],
        channels: [{ channelId: 'outboundVoice', capacityCostPerJob: 1 }],
        availableForOffers: true,
      });
      if (response.status !== 201 && response.status !== 200) {
        throw new Error(`worker: ${response.status} ${JSON.stringify(response.body)}`);
      }
    },
    /** Offers this worker holds now. */
    async offers() {
      return (await router.worker(workerId)).offers;
    },
    /**
     * Waits for an offer and accepts it: the attempt's task id (the router job id) and the assignment. An offer that
     * is gone by the time it is accepted (revoked, expired; the worker document lags the jobs) is skipped, as a
     * real dialer would.
     */
    async take(timeoutMs = 20_000): Promise<{ taskId: string; assignmentId: string }> {
      const deadline = Date.now() + timeoutMs;
      const refused: string[] = [];
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no offer could be accepted; refused: ${refused.join(' | ')}`);
        const worker = await router.waitForWorker(
          workerId,
          (w) => w.offers.some((o) => !refused.some((r) => r.startsWith(o.offerId))),
          remaining,
        );
        const offer = worker.offers.find((o) => !refused.some((r) => r.startsWith(o.offerId)));
        if (!offer) continue;
        const accepted = await router.post(`/workers/${workerId}/offers/${offer.offerId}:accept`);
        if (accepted.status === 200) {
          return {
            taskId: offer.jobId,
            assignmentId: String((accepted.body as { assignmentId: string }).assignmentId),
          };
        }
        if (accepted.status !== 404 && accepted.status !== 409) {
          throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
        }
        refused.push(`${offer.offerId} ${accepted.status}`);
      }
    },
    /** Completes and closes the attempt's router job with a task status as disposition code. */
    async hangUp(taskId: string, assignmentId: string, dispositionCode: string) {
      const completed = await router.post(`/jobs/${taskId}/assignments/${assignmentId}:complete`, {});
      if (completed.status !== 200) throw new Error(`complete: ${completed.status}`);
      const closed = await router.post(`/jobs/${taskId}/assignments/${assignmentId}:close`, { dispositionCode });
      if (closed.status !== 200) throw new Error(`close: ${closed.status} ${JSON.stringify(closed.body)}`);
    },
    /** Reports the call's details (native API). */
    reportOutcome(taskId: string, outcome: object) {
      return stack.http
        .post(`/v1/outbound/tasks/${encodeURIComponent(taskId)}/outcome`)
        .set(tenant.auth)
        .send(outcome);
    },
  };
}
