/**
 * The router queue an outbound instance's call attempts wait in: one distribution policy and one queue, both named
 * `outboundQueueId(instanceId)`, written exactly as a `PATCH /routing/…` would write them (so the router API shows and
 * serves them like any other). Created with the instance and again, idempotently, by the outbound dispatch activity
 * (an instance created before queues existed, or a queue deleted by hand): keep this module free of API-only
 * dependencies.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/connection';
import { outboundQueueId } from '../../domain/ids';
import type { RouterResourceTypes } from '../../domain/routing/models';
import { toServiceError } from '../../domain/routing/errors';
import { upsertResource } from '../../domain/routing/upsert';
import { computeEtag, toWire } from '../../domain/routing/wire';
import type { ApiDeps } from '../context';
import { routingWorkflows } from '../routing/workflow-calls';

/** Offers of an outbound attempt expire after a minute: an idle dialler that does not take it loses it. */
const OFFER_EXPIRES_AFTER_SECONDS = 60;

type QueueKind = 'distributionPolicies' | 'queues';

/** Creates the resource unless it exists; true when this call wrote it. */
async function createIfMissing<K extends QueueKind>(
  db: Database,
  tenantId: string,
  kind: K,
  id: string,
  body: Record<string, unknown>,
): Promise<boolean> {
  if (await db.routing.get(tenantId, kind, id)) return false;
  const { decision } = await db.routing.update(
    tenantId,
    kind,
    id,
    (current): RouterResourceTypes[K] | undefined => {
      // Another caller created it between the read above and this mutex: leave theirs alone.
      if (current) return undefined;
      const outcome = upsertResource(kind, undefined, body, { id, now: Date.now(), newId: randomUUID });
      if (!outcome.ok) throw toServiceError(outcome.error);
      return outcome.resource;
    },
    (resource) => {
      if (!resource) return undefined;
      // As the PATCH handler stores it: the wire form without its ETag, which travels beside it.
      const { etag: _etag, ...wire } = toWire(resource);
      return { resource: wire, etag: computeEtag(resource) };
    },
  );
  return decision !== undefined;
}

/** Ensures the instance's distribution policy and queue exist; tells the tenant's router when it created either. */
export async function ensureInstanceQueue(
  deps: Pick<ApiDeps, 'db' | 'temporal' | 'config'>,
  tenantId: string,
  instanceId: string,
): Promise<void> {
  const id = outboundQueueId(instanceId);
  const name = `Outbound instance ${instanceId}`;
  // The policy first: a queue must name an existing policy.
  const policyCreated = await createIfMissing(deps.db, tenantId, 'distributionPolicies', id, {
    name,
    offerExpiresAfterSeconds: OFFER_EXPIRES_AFTER_SECONDS,
    mode: { kind: 'longestIdle', minConcurrentOffers: 1, maxConcurrentOffers: 1 },
  });
  const queueCreated = await createIfMissing(deps.db, tenantId, 'queues', id, { name, distributionPolicyId: id });
  if (policyCreated || queueCreated) {
    await routingWorkflows(deps.temporal, deps.config.CCFLOW_TASK_QUEUE_PREFIX).configChanged(tenantId);
  }
}
