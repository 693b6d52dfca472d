import { tenantRouterWorkflowId, taskQueue } from '../../domain/ids';
import { type JobChange, jobChangedSignal, type QueueConfig, type ResourceView } from '../../domain/routing/messages';
import { distributionPolicySchema, exceptionPolicySchema, routerQueueSchema } from '../../domain/routing/models';
import type { SummaryChange } from '../../domain/routing/summaries';
import { CapabilityAttribute, TenantIdAttribute } from '../../domain/search-attributes';
import type { ActivityDeps } from '../deps';
import { createClassifyActivities } from './classify';
import { createRouterEventActivities } from './events';
import type { RouterEvent } from '../../domain/routing/events';
import { createScoringActivities } from './scoring';

interface ViewDoc extends ResourceView {
  version: number;
}

/**
 * The routing capability's side effects: the read models the two routing workflows publish, the router's
 * queue configuration, classification. All idempotent (versioned writes, content-idempotent router messages), so
 * Temporal may retry any of them.
 */
export function createRoutingActivities(deps: ActivityDeps) {
  const { db, temporal, config } = deps;
  const routerTaskQueue = taskQueue('routing', config.CCFLOW_TASK_QUEUE_PREFIX);
  const routerEvents = createRouterEventActivities(deps);

  /** Delivers a job's change to its tenant's router, starting the router if it is not running. */
  const notifyRouter = async (tenantId: string, change: JobChange): Promise<void> => {
    await temporal.workflow.signalWithStart('tenantRouter', {
      workflowId: tenantRouterWorkflowId(tenantId),
      taskQueue: routerTaskQueue,
      args: [{ tenantId }],
      signal: jobChangedSignal,
      signalArgs: [change],
      typedSearchAttributes: [
        { key: TenantIdAttribute, value: tenantId },
        { key: CapabilityAttribute, value: 'routing' },
      ],
    });
  };

  return {
    ...routerEvents,
    /** The job's read model (null = deleted), then its change to the router: one step per job change, in order. */
    async publishJob(input: {
      tenantId: string;
      jobId: string;
      doc: ViewDoc | null | undefined;
      change: JobChange | undefined;
      /** The job's router events, in order (docs/routing.md "Events"): handed on after the read model is written. */
      events?: RouterEvent[];
    }): Promise<void> {
      const { tenantId, jobId, doc, change } = input;
      if (doc === null) await db.routing.removeView(tenantId, 'jobs', jobId);
      else if (doc !== undefined) await db.routing.putView(tenantId, 'jobs', jobId, doc);
      if (change) await notifyRouter(tenantId, change);
      if (input.events?.length) await routerEvents.deliverRouterEvents({ tenantId, events: input.events });
    },

    /** Worker read models and the job and worker list indexes, written by the router (their only writer). */
    async projectRouter(input: {
      tenantId: string;
      workers: { id: string; doc: ViewDoc | null }[];
      jobIndex: SummaryChange[];
      workerIndex: SummaryChange[];
      /** Worker events, in order, handed on after the documents are written. */
      events?: RouterEvent[];
    }): Promise<void> {
      const { tenantId } = input;
      await Promise.all([
        ...input.workers.map(({ id, doc }) =>
          doc === null
            ? db.routing.removeView(tenantId, 'workers', id)
            : db.routing.putView(tenantId, 'workers', id, doc),
        ),
        input.jobIndex.length > 0 ? db.routingIndex.apply(tenantId, 'jobs', input.jobIndex) : undefined,
        input.workerIndex.length > 0 ? db.routingIndex.apply(tenantId, 'workers', input.workerIndex) : undefined,
      ]);
      if (input.events?.length) await routerEvents.deliverRouterEvents({ tenantId, events: input.events });
    },

    /**
     * Each queue's distribution (offer lifetime and mode) and exception rules; null for a queue or distribution
     * policy that does not exist (its jobs wait). A missing exception policy means no rules.
     */
    async loadQueueConfigs(input: {
      tenantId: string;
      queueIds: string[];
    }): Promise<Record<string, QueueConfig | null>> {
      const entries = await Promise.all(
        input.queueIds.map(async (queueId): Promise<[string, QueueConfig | null]> => {
          const queue = await db.routing.get(input.tenantId, 'queues', queueId);
          if (!queue) return [queueId, null];
          const { distributionPolicyId, exceptionPolicyId } = routerQueueSchema.parse(queue.resource);
          const [policy, exceptions] = await Promise.all([
            db.routing.get(input.tenantId, 'distributionPolicies', distributionPolicyId),
            exceptionPolicyId === undefined
              ? undefined
              : db.routing.get(input.tenantId, 'exceptionPolicies', exceptionPolicyId),
          ]);
          if (!policy) return [queueId, null];
          const { offerExpiresAfterSeconds, mode } = distributionPolicySchema.parse(policy.resource);
          const exceptionRules = exceptions ? exceptionPolicySchema.parse(exceptions.resource).exceptionRules : [];
          return [queueId, { distribution: { offerExpiresAfterSeconds, mode }, exceptionRules }];
        }),
      );
      return Object.fromEntries(entries);
    },

    ...createClassifyActivities(deps),
    ...createScoringActivities(),
  };
}

export type RoutingActivities = ReturnType<typeof createRoutingActivities>;
