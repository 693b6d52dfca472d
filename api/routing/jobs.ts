/**
 * Router jobs (spec §2.2 ops 17–27): every change is an update of the job's workflow (workflows/routing/job.ts), so
 * the state machine, If-Match and the transition are decided in one place, atomically; reads come from the read
 * model the workflow writes (by `_id`) and from the job index its tenant's router writes (lists).
 */
import { z } from 'zod';
import { mapBounded } from '../../db/bounded';
import type { Database } from '../../db/connection';
import { ServiceError } from '../../domain/errors';
import { ACTIVE_JOB_STATUSES, routerJobStatusSelectorSchema } from '../../domain/routing/enums';
import {
  cancelJobUpdate,
  closeJobUpdate,
  completeJobUpdate,
  deleteJobUpdate,
  queuePositionQuery,
  queueStatisticsQuery,
  reclassifyJobUpdate,
  unassignJobUpdate,
  upsertJobUpdate,
} from '../../domain/routing/messages';
import { timestampMillis } from '../../domain/routing/wire';
import type { ApiDeps } from '../context';
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
import { routingWorkflows } from './workflow-calls';

const jobParams = z.object({ jobId: z.string().min(1) });
const assignmentParams = jobParams.extend({ assignmentId: z.string().min(1) });
const queueParams = z.object({ queueId: z.string().min(1) });

const dateTime = z
  .string()
  .refine((text) => timestampMillis(text) !== undefined, { message: 'must be an ISO 8601 date-time' })
  .transform((text) => timestampMillis(text) ?? 0);

// Option bodies of the actions: unknown members are ignored, as the service ignores them.
const cancelOptions = z.object({ note: z.string().optional(), dispositionCode: z.string().optional() });
const completeOptions = z.object({ note: z.string().optional() });
const closeOptions = z.object({
  note: z.string().optional(),
  dispositionCode: z.string().optional(),
  closeAt: dateTime.optional(),
});
const unassignOptions = z.object({ suspendMatching: z.boolean().optional() });

const listFilters = z.object({
  status: routerJobStatusSelectorSchema.default('all'),
  queueId: z.string().optional(),
  channelId: z.string().optional(),
  classificationPolicyId: z.string().optional(),
  scheduledBefore: dateTime.optional(),
  scheduledAfter: dateTime.optional(),
});
type ListFilters = z.infer<typeof listFilters>;
const listQuery = listFilters.extend({
  maxpagesize: z.coerce.number().int().min(1).optional(),
  continuationToken: z.string().optional(),
});
const jobToken = z.object({
  size: z.number().int().min(1),
  from: z.object({ page: z.number().int(), index: z.number().int(), lastId: z.string().optional() }),
  filters: z.object({
    status: z.string(),
    queueId: z.string().optional(),
    channelId: z.string().optional(),
    classificationPolicyId: z.string().optional(),
    scheduledBefore: z.number().optional(),
    scheduledAfter: z.number().optional(),
  }),
});
/** Index entries one list request examines at most: a short (even empty) page with a nextLink beyond that. */
const MAX_EXAMINED = 2048;

/** The list filters of op 17 against a job's index entry (or its read model, which is at least as fresh). */
export function jobMatches(filters: ListFilters | z.infer<typeof jobToken>['filters'], job: Record<string, unknown>) {
  const status = typeof job.status === 'string' ? job.status : '';
  if (filters.status === 'active' && !(ACTIVE_JOB_STATUSES as readonly string[]).includes(status)) return false;
  if (filters.status !== 'all' && filters.status !== 'active' && filters.status !== status) return false;
  if (filters.queueId !== undefined && job.queueId !== filters.queueId) return false;
  if (filters.channelId !== undefined && job.channelId !== filters.channelId) return false;
  if (filters.classificationPolicyId !== undefined && job.classificationPolicyId !== filters.classificationPolicyId) {
    return false;
  }
  if (filters.scheduledBefore !== undefined || filters.scheduledAfter !== undefined) {
    const at = typeof job.scheduledAt === 'number' ? job.scheduledAt : undefined;
    if (at === undefined) return false;
    if (filters.scheduledBefore !== undefined && at > filters.scheduledBefore) return false;
    if (filters.scheduledAfter !== undefined && at < filters.scheduledAfter) return false;
  }
  return true;
}

/** A referenced queue or classification policy must exist (a 400 that names the field). */
async function checkJobReferences(db: Database, tenantId: string, body: unknown): Promise<void> {
  if (typeof body !== 'object' || body === null) return;
  const fields = body as Record<string, unknown>;
  const wanted = [
    { field: 'queueId', kind: 'queues' as const },
    { field: 'classificationPolicyId', kind: 'classificationPolicies' as const },
  ].filter(({ field }) => typeof fields[field] === 'string');
  const found = await Promise.all(
    wanted.map(({ field, kind }) => db.routing.get(tenantId, kind, String(fields[field]))),
  );
  const errors = wanted
    .filter((_ref, i) => found[i] === undefined)
    .map(({ field }) => ({ field, message: `refers to ${String(fields[field])}, which does not exist` }));
  if (errors.length > 0) {
    const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new ServiceError('validationFailed', `Invalid RouterJob: ${summary}`, { errors });
  }
}

export function jobRoutes({ db, temporal, config }: Pick<ApiDeps, 'db' | 'temporal' | 'config'>): AnyRoute[] {
  const workflows = routingWorkflows(temporal, config.CCFLOW_TASK_QUEUE_PREFIX);
  const action = <O extends z.ZodObject>(verb: string, options: O, summary: string, withAssignment: boolean) =>
    defineRoute({
      method: 'post',
      path: withAssignment ? '/jobs/:jobId/assignments/:assignmentId' : '/jobs/:jobId',
      verb,
      summary,
      tags: ['routing'],
      auth: 'tenant',
      params: withAssignment ? assignmentParams : jobParams.extend({ assignmentId: z.string().optional() }),
      body: options,
      responses: { 200: { description: 'Done' } },
      async handler({ res, params, body, tenant }) {
        const { jobId, assignmentId } = params as { jobId: string; assignmentId?: string };
        const request = { ...(body as object), ...(assignmentId === undefined ? {} : { assignmentId }) };
        let result: object;
        if (verb === 'cancel') result = await workflows.jobAction(tenant.id, jobId, cancelJobUpdate, body as object);
        else if (verb === 'complete')
          result = await workflows.jobAction(tenant.id, jobId, completeJobUpdate, request as { assignmentId: string });
        else if (verb === 'close')
          result = await workflows.jobAction(tenant.id, jobId, closeJobUpdate, request as { assignmentId: string });
        else if (verb === 'unassign')
          result = await workflows.jobAction(tenant.id, jobId, unassignJobUpdate, request as { assignmentId: string });
        else result = await workflows.jobAction(tenant.id, jobId, reclassifyJobUpdate);
        sendJson(res, result);
      },
    });

  return [
    defineRoute({
      method: 'patch',
      path: '/jobs/:jobId',
      summary: 'Creates or updates a job (JSON merge patch; the job workflow applies it)',
      tags: ['routing'],
      auth: 'tenant',
      params: jobParams,
      body: z.unknown(),
      bodyContentType: 'application/merge-patch+json',
      responses: { 200: { description: 'Updated' }, 201: { description: 'Created' } },
      async handler({ req, res, params, tenant }) {
        const patch: unknown = req.body;
        await checkJobReferences(db, tenant.id, patch);
        const view = await workflows.upsertJob(tenant.id, params.jobId, upsertJobUpdate, {
          patch,
          ...(req.header('if-match') === undefined ? {} : { ifMatch: req.header('if-match') }),
          ...(req.header('if-unmodified-since') === undefined
            ? {}
            : { ifUnmodifiedSince: req.header('if-unmodified-since') }),
        });
        sendView(res, view, view.created ? 201 : 200);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/jobs/:jobId',
      summary: 'One job',
      tags: ['routing'],
      auth: 'tenant',
      params: jobParams,
      responses: { 200: { description: 'RouterJob' } },
      async handler({ res, params, tenant }) {
        const stored = await db.routing.get(tenant.id, 'jobs', params.jobId);
        if (!stored) throw new ServiceError('notFound', `Job ${params.jobId} not found.`);
        sendView(res, {
          resource: stored.resource as object,
          etag: stored.etag,
          updatedAt: stored.updatedAt.getTime(),
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/jobs/:jobId',
      summary: 'Deletes a closed or cancelled job',
      tags: ['routing'],
      auth: 'tenant',
      params: jobParams,
      responses: { 204: { description: 'Deleted' } },
      async handler({ res, params, tenant }) {
        await workflows.jobAction(tenant.id, params.jobId, deleteJobUpdate);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/jobs',
      summary: 'Jobs, filtered by status, queue, channel, classification policy and schedule',
      tags: ['routing'],
      auth: 'tenant',
      query: listQuery,
      responses: { 200: { description: '{value, nextLink}' } },
      async handler({ res, query, tenant }) {
        const token =
          query.continuationToken === undefined ? undefined : decodeToken(jobToken, query.continuationToken);
        const { maxpagesize: _size, continuationToken: _token, ...requested } = query;
        const filters = token?.filters ?? requested;
        const size = Math.min(query.maxpagesize ?? token?.size ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        const scan = await db.routingIndex.scan(tenant.id, 'jobs', {
          ...(token ? { from: token.from } : {}),
          limit: size,
          maxExamined: MAX_EXAMINED,
          match: (summary) => jobMatches(filters, summary),
        });
        const docs = await mapBounded(scan.entries, 8, (entry) => db.routing.get(tenant.id, 'jobs', entry.id));
        // The read model is at least as fresh as the index: a job that moved on since is left out.
        const value = docs.flatMap((doc) => {
          if (!doc) return [];
          const job = doc.resource as Record<string, unknown>;
          const mode = job.matchingMode as { kind?: string; scheduleAt?: string } | undefined;
          const scheduledAt =
            mode?.kind === 'scheduleAndSuspend' && mode.scheduleAt ? timestampMillis(mode.scheduleAt) : undefined;
          return jobMatches(filters, { ...job, scheduledAt }) ? [job] : [];
        });
        const nextLink = scan.next
          ? `/routing/jobs?api-version=${ROUTER_API_VERSION}&continuationToken=${encodeToken({ size, from: scan.next, filters })}`
          : undefined;
        sendJson(res, nextLink ? { value, nextLink } : { value });
      },
    }),
    action('reclassify', z.object({}), 'Runs classification again', false),
    action('cancel', cancelOptions, 'Cancels an active job', false),
    action('complete', completeOptions, 'Completes an assigned job', true),
    action('close', closeOptions, 'Closes a completed job (now or at closeAt)', true),
    action('unassign', unassignOptions, 'Takes the job back from its worker (at most 3 times)', true),
    defineRoute({
      method: 'get',
      path: '/jobs/:jobId/position',
      summary: "A queued job's position in its queue",
      tags: ['routing'],
      auth: 'tenant',
      params: jobParams,
      responses: { 200: { description: 'RouterJobPositionDetails' } },
      async handler({ res, params, tenant }) {
        const stored = await db.routing.get(tenant.id, 'jobs', params.jobId);
        if (!stored) throw new ServiceError('notFound', `Job ${params.jobId} not found.`);
        const status = (stored.resource as { status?: string }).status;
        const position =
          status === 'queued'
            ? await workflows.router(tenant.id).query(queuePositionQuery, { jobId: params.jobId })
            : null;
        if (!position) {
          throw new ServiceError(
            'badRequest',
            `Job ${params.jobId} is ${status ?? 'not queued'}: only a queued job has a position.`,
          );
        }
        sendJson(res, position);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/queues/:queueId/statistics',
      summary: "A queue's length and waiting times",
      tags: ['routing'],
      auth: 'tenant',
      params: queueParams,
      responses: { 200: { description: 'RouterQueueStatistics' } },
      async handler({ res, params, tenant }) {
        const queue = await db.routing.get(tenant.id, 'queues', params.queueId);
        if (!queue) throw new ServiceError('notFound', `Queue ${params.queueId} not found.`);
        const statistics = await workflows
          .router(tenant.id)
          .query(queueStatisticsQuery, { queueId: params.queueId })
          .catch(() => ({ queueId: params.queueId, length: 0, estimatedWaitTimeMinutes: {} }));
        sendJson(res, statistics);
      },
    }),
  ];
}
