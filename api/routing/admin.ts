/**
 * The administration resources of the Job Router API (spec §2.1): distribution, classification and exception
 * policies and queues, each with upsert (merge patch, §6.1), get, delete and list (§1 paging), conditional upserts
 * (§6.2) and the dependency rules of §6.7. Stored by db/routing/resources.ts, one document per resource.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/connection';
import type { StoredResource } from '../../db/routing/resources';
import { ServiceError } from '../../domain/errors';
import { toServiceError } from '../../domain/routing/errors';
import { referencesOf, ROUTER_SCHEMAS, type RouterResourceTypes } from '../../domain/routing/models';
import { upsertResource } from '../../domain/routing/upsert';
import { preconditionFailure } from '../../domain/routing/conditional';
import { computeEtag, toWire } from '../../domain/routing/wire';
import type { ApiDeps } from '../context';
import { conditionsOf, requireReferences } from './read-models';
import { type RoutingWorkflows, routingWorkflows } from './workflow-calls';
import { isActiveStatus } from '../../domain/routing/job-lifecycle';
import type { RouterJobStatus } from '../../domain/routing/enums';
import { type AnyRoute, defineRoute } from '../http/route';
import {
  decodeToken,
  DEFAULT_PAGE_SIZE,
  encodeToken,
  MAX_PAGE_SIZE,
  ROUTER_API_VERSION,
  sendJson,
  sendView,
} from './responses';

export const ADMIN_KINDS = ['distributionPolicies', 'classificationPolicies', 'exceptionPolicies', 'queues'] as const;
export type AdminKind = (typeof ADMIN_KINDS)[number];

const LABELS: { readonly [K in AdminKind]: string } = {
  distributionPolicies: 'Distribution policy',
  classificationPolicies: 'Classification policy',
  exceptionPolicies: 'Exception policy',
  queues: 'Queue',
};

/** Which references of an administration resource must exist when it is upserted (spec §6.7, DOCS-manage-queue). */
const CHECKED_REFERENCES: { readonly [K in AdminKind]: readonly string[] } = {
  distributionPolicies: [],
  classificationPolicies: [],
  exceptionPolicies: [],
  queues: ['distributionPolicyId', 'exceptionPolicyId'],
};

const idParams = z.object({ id: z.string().min(1) });
const listQuery = z.object({
  maxpagesize: z.coerce.number().int().min(1).optional(),
  continuationToken: z.string().optional(),
});

const cursorSchema = z.object({
  after: z.array(z.string()).min(1).max(10),
  index: z.number().int().nonnegative(),
  size: z.number().int(),
});

/** The stored resource as its model (stored values were validated when written; parsed again at this boundary). */
function modelOf<K extends AdminKind>(kind: K, stored: StoredResource): RouterResourceTypes[K] {
  // The schema table is typed per kind; indexing it by a generic K loses that link (as in upsert.ts).
  return ROUTER_SCHEMAS[kind].parse(stored.resource) as RouterResourceTypes[K];
}

function sendResource(res: Response, stored: StoredResource, status: number): void {
  sendView(
    res,
    {
      resource: { ...(stored.resource as object), etag: stored.etag },
      etag: stored.etag,
      updatedAt: stored.updatedAt.getTime(),
    },
    status,
  );
}

/** `If-Match` / `If-Unmodified-Since` of an upsert (spec §6.2): a failed precondition is 412. */
function checkPreconditions(req: Request, current: StoredResource | undefined, name: string): void {
  const failure = preconditionFailure(
    current && { etag: current.etag, updatedAt: current.updatedAt.getTime() },
    conditionsOf(req),
    name,
  );
  if (failure) throw new ServiceError(failure.code, failure.message);
}

export function adminRoutes({ db, temporal, config }: Pick<ApiDeps, 'db' | 'temporal' | 'config'>): AnyRoute[] {
  const workflows = routingWorkflows(temporal, config.CCFLOW_TASK_QUEUE_PREFIX);
  return ADMIN_KINDS.flatMap((kind) => kindRoutes(db, workflows, kind));
}

function kindRoutes<K extends AdminKind>(db: Database, workflows: RoutingWorkflows, kind: K): AnyRoute[] {
  // The router caches each queue's distribution and exception rules: it reloads them when one of those changes.
  const changesDistribution = kind !== 'classificationPolicies';
  const label = LABELS[kind];

  const checkReferences = async (tenantId: string, resource: RouterResourceTypes[K]): Promise<void> => {
    const wanted = referencesOf(kind, resource).filter((ref) => CHECKED_REFERENCES[kind].includes(ref.field));
    await requireReferences(db, tenantId, label, wanted);
  };

  /** Active jobs whose index entry has `field` = id (the index lags the jobs by a matching pass at most). */
  const activeJobWith = async (tenantId: string, field: string, id: string) =>
    (await db.routingIndex.all(tenantId, 'jobs')).find(
      ({ summary }) =>
        summary[field] === id &&
        typeof summary.status === 'string' &&
        isActiveStatus(summary.status as RouterJobStatus),
    );

  /** Spec §6.7: what blocks a delete. */
  const checkUnused = async (tenantId: string, id: string): Promise<void> => {
    if (kind === 'distributionPolicies' || kind === 'exceptionPolicies') {
      const field = kind === 'distributionPolicies' ? 'distributionPolicyId' : 'exceptionPolicyId';
      const queues = await db.routing.all(tenantId, 'queues');
      const user = queues.find((queue) => (queue.resource as Record<string, unknown>)[field] === id);
      if (user) {
        const code =
          kind === 'distributionPolicies' ? 'QueueExistsWithDistributionPolicy' : 'QueueExistsWithExceptionPolicy';
        throw new ServiceError('validationFailed', `${code}: queue ${user.id} uses ${label.toLowerCase()} ${id}.`, {
          errors: [{ field: '', message: `${code}: queue ${user.id} uses this policy` }],
        });
      }
    } else if (kind === 'queues') {
      const [policies, job, workers] = await Promise.all([
        db.routing.all(tenantId, 'classificationPolicies'),
        activeJobWith(tenantId, 'queueId', id),
        db.routingIndex.all(tenantId, 'workers'),
      ]);
      const problems: string[] = [];
      if (job) problems.push(`There is active job with this queue (${job.id})`);
      const user = policies.find((policy) => (policy.resource as Record<string, unknown>).fallbackQueueId === id);
      if (user) problems.push(`There is classification policy with this queue as fallback queue (${user.id})`);
      const worker = workers.find(({ summary }) => Array.isArray(summary.queues) && summary.queues.includes(id));
      if (worker) problems.push(`There is an assigned worker to this queue (${worker.id})`);
      if (problems.length > 0) throw new ServiceError('conflict', `Validation failed: ${problems.join('; ')}.`);
    } else if (kind === 'classificationPolicies') {
      const job = await activeJobWith(tenantId, 'classificationPolicyId', id);
      if (job) {
        const code = 'ActiveJobWithClassificationPolicyExist';
        throw new ServiceError('validationFailed', `${code}: job ${job.id} uses classification policy ${id}.`, {
          errors: [{ field: '', message: `${code}: There is active job with this classification policy` }],
        });
      }
    }
  };

  return [
    defineRoute({
      method: 'patch',
      path: `/${kind}/:id`,
      summary: `Creates or updates a ${label.toLowerCase()} (JSON merge patch)`,
      tags: ['routing'],
      auth: 'tenant',
      params: idParams,
      body: z.unknown(),
      bodyContentType: 'application/merge-patch+json',
      responses: { 200: { description: 'Updated' }, 201: { description: 'Created' } },
      async handler({ req, res, params, tenant }) {
        const body: unknown = req.body;
        const { decision, stored } = await db.routing.update(
          tenant.id,
          kind,
          params.id,
          async (current) => {
            checkPreconditions(req, current, `${label} ${params.id}`);
            const previous = current ? modelOf(kind, current) : undefined;
            const outcome = upsertResource(kind, previous, body, { id: params.id, now: Date.now(), newId: randomUUID });
            if (!outcome.ok) throw toServiceError(outcome.error);
            if (outcome.changed) await checkReferences(tenant.id, outcome.resource);
            return outcome;
          },
          (outcome) =>
            outcome.changed
              ? { resource: omitEtag(toWire(outcome.resource)), etag: computeEtag(outcome.resource) }
              : undefined,
        );
        if (!stored) throw new ServiceError('internal', `${label} ${params.id} could not be stored.`);
        if (changesDistribution && decision.changed) await workflows.configChanged(tenant.id);
        sendResource(res, stored, decision.created ? 201 : 200);
      },
    }),
    defineRoute({
      method: 'get',
      path: `/${kind}/:id`,
      summary: `One ${label.toLowerCase()}`,
      tags: ['routing'],
      auth: 'tenant',
      params: idParams,
      responses: { 200: { description: label } },
      async handler({ res, params, tenant }) {
        const stored = await db.routing.get(tenant.id, kind, params.id);
        if (!stored) throw new ServiceError('notFound', `${label} ${params.id} not found.`);
        sendResource(res, stored, 200);
      },
    }),
    defineRoute({
      method: 'delete',
      path: `/${kind}/:id`,
      summary: `Deletes a ${label.toLowerCase()} (204 also when it does not exist)`,
      tags: ['routing'],
      auth: 'tenant',
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      async handler({ res, params, tenant }) {
        const removed = await db.routing.remove(tenant.id, kind, params.id, () => checkUnused(tenant.id, params.id));
        if (changesDistribution && removed) await workflows.configChanged(tenant.id);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: `/${kind}`,
      summary: `The ${label.toLowerCase()} list, in creation order`,
      tags: ['routing'],
      auth: 'tenant',
      query: listQuery,
      responses: { 200: { description: '{value, nextLink}' } },
      async handler({ res, query, tenant }) {
        const token =
          query.continuationToken === undefined ? undefined : decodeToken(cursorSchema, query.continuationToken);
        const size = Math.min(query.maxpagesize ?? token?.size ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        const page = await db.routing.list(tenant.id, kind, size, token);
        const value = page.items.map((item) => ({ ...(item.resource as object), etag: item.etag }));
        const nextLink = page.next
          ? `/routing/${kind}?api-version=${ROUTER_API_VERSION}&maxpagesize=${size}&continuationToken=${encodeToken({ ...page.next, size })}`
          : undefined;
        sendJson(res, nextLink ? { value, nextLink } : { value });
      },
    }),
  ];
}

function omitEtag(wire: Record<string, unknown>): Record<string, unknown> {
  const { etag: _etag, ...rest } = wire;
  return rest;
}
