/**
 * A fresh tenant for one routing benchmark (each has its own, so its router workflow `router/{tenant}` serves only
 * that benchmark), set up through the public router API: a distribution policy (longest idle, offers valid 5 min),
 * a queue using it, and `workers` workers of capacity 1 on channel `voice`, registered (availableForOffers).
 */
import { randomBytes } from 'node:crypto';
import { createTenantWithKey } from '../../db/api-keys';
import type { BenchStack } from '../stack';
import { RouterHttp } from './http';

export interface RoutingTenant {
  id: string;
  apiKey: string;
  queueId: string;
  workerIds: string[];
}

export const CHANNEL = 'voice';

export async function routingTenant(bench: BenchStack, name: string, workers: number): Promise<RoutingTenant> {
  const created = await createTenantWithKey(bench.db, name);
  const api = new RouterHttp({ baseUrl: bench.baseUrl, apiKey: created.apiKey, sockets: 4, timeoutMs: 30_000 });
  const tag = randomBytes(3).toString('hex');
  try {
    const policyId = `bench-dp-${tag}`;
    const queueId = `bench-q-${tag}`;
    await api.patch('setup', `/distributionPolicies/${policyId}`, {
      offerExpiresAfterSeconds: 300,
      mode: { kind: 'longestIdle' },
    });
    await api.patch('setup', `/queues/${queueId}`, { distributionPolicyId: policyId, labels: {} });
    const workerIds = Array.from({ length: workers }, (_, i) => `bench-w-${tag}-${String(i).padStart(3, '0')}`);
    for (const workerId of workerIds) {
      await api.patch('setup', `/workers/${workerId}`, {
        capacity: 1,
        queues: [queueId],
        channels: [{ channelId: CHANNEL, capacityCostPerJob: 1 }],
        availableForOffers: true,
      });
    }
    return { id: created.tenantId, apiKey: created.apiKey, queueId, workerIds };
  } finally {
    api.close();
  }
}
