/**
 * Router workers and their offers (spec §2.2 ops 28–33). A worker lives in its tenant's router workflow
 * (workflows/routing/router.ts), where its capacity is reserved, so its upsert and delete are updates of that
 * workflow; an offer belongs to its job, so accept and decline are updates of the job's workflow.
 */
import { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import { jobIdOfOffer } from '../../domain/ids';
import { routerWorkerStateSelectorSchema } from '../../domain/routing/enums';
import {
  acceptJobOfferUpdate,
  declineJobOfferUpdate,
  deleteWorkerUpdate,
  upsertWorkerUpdate,
} from '../../domain/routing/messages';
import { timestampMillis } from '../../domain/routing/wire';
import type { ApiDeps } from '../context';
import { type AnyRoute, defineRoute } from '../http/route';
import { sendJson, sendView } from './responses';
import {
  conditionsOf,
  type IndexedList,
  type Reference,
  requireReferences,
  sendIndexedList,
  sendStored,
} from './read-models';
import { routingWorkflows } from './workflow-calls';

const workerParams = z.object({ workerId: z.string().min(1) });
const offerParams = workerParams.extend({ offerId: z.string().min(1) });

const booleanText = z.enum(['true', 'false', 'True', 'False']).transform((text) => text.toLowerCase() === 'true');
const listFilters = z.object({
  state: routerWorkerStateSelectorSchema.default('all'),
  channelId: z.string().optional(),
  queueId: z.string().optional(),
  hasCapacity: booleanText.default(false),
});
const listQuery = listFilters.extend({
  maxpagesize: z.coerce.number().int().min(1).optional(),
  continuationToken: z.string().optional(),
});
/** The filters once parsed, as the continuation token carries them. */
const workerFilters = z.object({
  state: z.string(),
  channelId: z.string().optional(),
  queueId: z.string().optional(),
  hasCapacity: z.boolean(),
});
type WorkerFilters = z.infer<typeof workerFilters>;

const declineOptions = z.object({
  retryOfferAt: z
    .string()
    .refine((text) => timestampMillis(text) !== undefined, { message: 'must be an ISO 8601 date-time' })
    .transform((text) => timestampMillis(text) ?? 0)
    .optional(),
});

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** The list filters of op 28 against a worker's index entry (db summary: state, queues, channels, freeChannels). */
export function workerMatches(filters: WorkerFilters, summary: Record<string, unknown>): boolean {
  if (filters.state !== 'all' && summary.state !== filters.state) return false;
  if (filters.queueId !== undefined && !stringList(summary.queues).includes(filters.queueId)) return false;
  if (filters.channelId !== undefined && !stringList(summary.channels).includes(filters.channelId)) return false;
  if (filters.hasCapacity) {
    const free = stringList(summary.freeChannels);
    if (filters.channelId !== undefined ? !free.includes(filters.channelId) : free.length === 0) return false;
  }
  return true;
}

/** The queues a PATCH body lists (each must exist; a 400 names `queues.N`). */
function workerReferences(body: unknown): Reference[] {
  const queues = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).queues : undefined;
  if (!Array.isArray(queues)) return [];
  return queues.flatMap((queueId, i) =>
    typeof queueId === 'string' ? [{ field: `queues.${i}`, kind: 'queues' as const, id: queueId }] : [],
  );
}

/** The list of op 28: filters test the index entry only (state, queues, channels and free capacity live there). */
const WORKER_LIST: IndexedList<WorkerFilters> = {
  kind: 'workers',
  filters: workerFilters,
  matchesSummary: workerMatches,
  matchesResource: () => true,
};

/** The job an offer is for: its id is part of the offer id (domain/ids.ts routerOfferId). */
function jobOfOffer(workerId: string, offerId: string): string {
  const jobId = jobIdOfOffer(offerId);
  if (jobId === undefined)
    throw new ServiceError('notFound', `Offer not found. OfferId: ${offerId}, WorkerId: ${workerId}.`);
  return jobId;
}

export function workerRoutes({ db, temporal, config }: Pick<ApiDeps, 'db' | 'temporal' | 'config'>): AnyRoute[] {
  const workflows = routingWorkflows(temporal, config.CCFLOW_TASK_QUEUE_PREFIX);
  return [
    defineRoute({
      method: 'patch',
      path: '/workers/:workerId',
      summary: 'Creates or updates a worker (JSON merge patch); availableForOffers registers it',
      tags: ['routing'],
      auth: 'tenant',
      params: workerParams,
      body: z.unknown(),
      bodyContentType: 'application/merge-patch+json',
      responses: { 200: { description: 'Updated' }, 201: { description: 'Created' } },
      async handler({ req, res, params, tenant }) {
        const patch: unknown = req.body;
        await requireReferences(db, tenant.id, 'RouterWorker', workerReferences(patch));
        const view = await workflows.routerUpdate(tenant.id, upsertWorkerUpdate, {
          workerId: params.workerId,
          patch,
          ...conditionsOf(req),
        });
        sendView(res, view, view.created ? 201 : 200);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workers/:workerId',
      summary: 'One worker, with its offers and assigned jobs',
      tags: ['routing'],
      auth: 'tenant',
      params: workerParams,
      responses: { 200: { description: 'RouterWorker' } },
      async handler({ res, params, tenant }) {
        await sendStored(db, res, tenant.id, 'workers', params.workerId, 'Worker');
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/workers/:workerId',
      summary: 'Deletes a worker that holds no offers or jobs',
      tags: ['routing'],
      auth: 'tenant',
      params: workerParams,
      responses: { 204: { description: 'Deleted' } },
      async handler({ res, params, tenant }) {
        if (!(await db.routing.get(tenant.id, 'workers', params.workerId))) {
          throw new ServiceError('notFound', `Worker ${params.workerId} not found.`);
        }
        await workflows.routerUpdate(tenant.id, deleteWorkerUpdate, { workerId: params.workerId });
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/workers',
      summary: 'Workers, filtered by state, channel, queue and free capacity',
      tags: ['routing'],
      auth: 'tenant',
      query: listQuery,
      responses: { 200: { description: '{value, nextLink}' } },
      async handler({ res, query, tenant }) {
        const { maxpagesize, continuationToken, ...filters } = query;
        await sendIndexedList(db, res, tenant.id, WORKER_LIST, { filters, maxpagesize, continuationToken });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/workers/:workerId/offers/:offerId',
      verb: 'accept',
      summary: 'Accepts an offer: the job is assigned to the worker (409 when another worker won it)',
      tags: ['routing'],
      auth: 'tenant',
      params: offerParams,
      responses: { 200: { description: 'AcceptJobOfferResult' } },
      async handler({ res, params, tenant }) {
        const jobId = jobOfOffer(params.workerId, params.offerId);
        const result = await workflows.jobAction(tenant.id, jobId, acceptJobOfferUpdate, {
          workerId: params.workerId,
          offerId: params.offerId,
        });
        sendJson(res, result);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/workers/:workerId/offers/:offerId',
      verb: 'decline',
      summary: 'Declines an offer (the job goes to the next worker; retryOfferAt lets this one have it again later)',
      tags: ['routing'],
      auth: 'tenant',
      params: offerParams,
      body: declineOptions,
      responses: { 200: { description: 'DeclineJobOfferResult' } },
      async handler({ res, params, body, tenant }) {
        const jobId = jobOfOffer(params.workerId, params.offerId);
        const result = await workflows.jobAction(tenant.id, jobId, declineJobOfferUpdate, {
          workerId: params.workerId,
          offerId: params.offerId,
          ...(body.retryOfferAt === undefined ? {} : { retryOfferAt: body.retryOfferAt }),
        });
        sendJson(res, result);
      },
    }),
  ];
}
