/**
 * Router jobs (spec §2.2 ops 17–27): every change is an update of the job's workflow (workflows/routing/job.ts), so
 * the state machine, If-Match and the transition are decided in one place, atomically; reads come from the read
 * model the workflow writes (by `_id`) and from the job index its tenant's router writes (lists).
 */
import { z } from 'zod';
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
const listQuery = listFilters.extend({
  maxpagesize: z.coerce.number().int().min(1).optional(),
  continuationToken: z.string().optional(),
});
/** The filters once parsed (dates in ms), as the continuation token carries them. */
const jobFilters = z.object({
  status: z.string(),
  queueId: z.string().optional(),
  channelId: z.string().optional(),
  classificationPolicyId: z.string().optional(),
  scheduledBefore: z.number().optional(),
  scheduledAfter: z.number().optional(),
});
type JobFilters = z.infer<typeof jobFilters>;

/** The list filters of op 17 against a job's index entry (or its read model, which is at least as fresh). */
export function jobMatches(filters: JobFilters, job: Record<string, unknown>): boolean {
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

/** The list of op 17: the index entry's summary has `scheduledAt`; the job has it in its matching mode. */
const JOB_LIST: IndexedList<JobFilters> = {
  kind: 'jobs',
  filters: jobFilters,
  matchesSummary: jobMatches,
  matchesResource(filters, job) {
    const mode = job.matchingMode as { kind?: string; scheduleAt?: string } | undefined;
    const scheduledAt =
      mode?.kind === 'scheduleAndSuspend' && mode.scheduleAt ? timestampMillis(mode.scheduleAt) : undefined;
    return jobMatches(filters, { ...job, scheduledAt });
  },
};

/** The queue and classification policy a PATCH body names (each must exist). */
function jobReferences(body: unknown): Reference[] {
  if (typeof body !== 'object' || body === null) return [];
  const fields = body as Record<string, unknown>;
  const refs: Reference[] = [];
  if (typeof fields.queueId === 'string') refs.push({ field: 'queueId', kind: 'queues', id: fields.queueId });
  if (typeof fields.classificationPolicyId === 'string') {
    refs.push({ field: 'classificationPolicyId', kind: 'classificationPolicies', id: fields.classificationPolicyId });
  }
  return refs;
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
        await requireReferences(db, tenant.id, 'RouterJob', jobReferences(patch));
        const view = await workflows.upsertJob(tenant.id, params.jobId, upsertJobUpdate, {
          patch,
          ...conditionsOf(req),
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
        await sendStored(db, res, tenant.id, 'jobs', params.jobId, 'Job');
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
        const { maxpagesize, continuationToken, ...filters } = query;
        await sendIndexedList(db, res, tenant.id, JOB_LIST, { filters, maxpagesize, continuationToken });
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
