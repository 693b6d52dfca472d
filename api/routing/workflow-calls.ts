/**
 * How the router API talks to the routing workflows: every change is a workflow update (update-with-start for
 * PATCH), and a refused update comes back as the ServiceError its failure type names. Ids come from domain/ids.ts.
 */
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { isErrorCode, ServiceError } from '../../domain/errors';
import { routerJobWorkflowId, taskQueue, tenantRouterWorkflowId } from '../../domain/ids';
import { configChangedSignal } from '../../domain/routing/messages';
import { CapabilityAttribute, TenantIdAttribute } from '../../domain/search-attributes';

/** The failure of a refused update as the error the client sees (its type is an error code, job.ts `refuse`). */
export function serviceErrorOf(error: unknown, notFound: string): unknown {
  if (error instanceof WorkflowNotFoundError) return new ServiceError('notFound', notFound);
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const { type, message, details } = error.cause;
    if (type && isErrorCode(type)) {
      const [extensions] = details ?? [];
      return new ServiceError(type, message, (extensions as Record<string, unknown> | undefined) ?? {});
    }
  }
  return error;
}

/** The SDK types `args` per arity; this forwards whatever the definition declares. */
function executeUpdate<R, A extends unknown[]>(
  handle: WorkflowHandle,
  update: UpdateDefinition<R, A>,
  args: A,
): Promise<R> {
  return handle.executeUpdate<R, [unknown]>(update.name, { args: args as unknown as [unknown] });
}

export interface RoutingWorkflows {
  /** PATCH: update-with-start of the job's workflow (created on first use). */
  upsertJob<R, A extends unknown[]>(
    tenantId: string,
    jobId: string,
    update: UpdateDefinition<R, A>,
    ...args: A
  ): Promise<R>;
  /**
   * PATCH of a job that another workflow created and follows: its workflow is told (`routerJobStatus`) when the job
   * is assigned and when it ends. An outbound attempt is such a job.
   */
  upsertFollowedJob<R, A extends unknown[]>(
    tenantId: string,
    jobId: string,
    followerWorkflowId: string,
    update: UpdateDefinition<R, A>,
    ...args: A
  ): Promise<R>;
  /** An action on an existing job. */
  jobAction<R, A extends unknown[]>(
    tenantId: string,
    jobId: string,
    update: UpdateDefinition<R, A>,
    ...args: A
  ): Promise<R>;
  /** An update of the tenant's router, starting it when it is not running. */
  routerUpdate<R, A extends unknown[]>(tenantId: string, update: UpdateDefinition<R, A>, ...args: A): Promise<R>;
  /** The tenant's router, for queries (it may not be running yet). */
  router(tenantId: string): WorkflowHandle;
  /** Tells a running router that queues or distribution policies changed. */
  configChanged(tenantId: string): Promise<void>;
}

export function routingWorkflows(temporal: Client, taskQueuePrefix: string): RoutingWorkflows {
  const queue = taskQueue('routing', taskQueuePrefix);
  const attributes = (tenantId: string) => [
    { key: TenantIdAttribute, value: tenantId },
    { key: CapabilityAttribute, value: 'routing' },
  ];
  const withStart = async <R, A extends unknown[]>(
    workflowType: string,
    workflowId: string,
    workflowArgs: unknown[],
    tenantId: string,
    update: UpdateDefinition<R, A>,
    args: A,
    notFound: string,
  ): Promise<R> => {
    const startWorkflowOperation = new WithStartWorkflowOperation(workflowType, {
      workflowId,
      taskQueue: queue,
      args: workflowArgs,
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: attributes(tenantId),
    });
    try {
      return await temporal.workflow.executeUpdateWithStart(update, { args, startWorkflowOperation });
    } catch (error) {
      throw serviceErrorOf(error, notFound);
    }
  };

  return {
    upsertJob: (tenantId, jobId, update, ...args) =>
      withStart(
        'routerJob',
        routerJobWorkflowId(tenantId, jobId),
        [{ tenantId, jobId }],
        tenantId,
        update,
        args,
        `Job ${jobId} not found.`,
      ),
    upsertFollowedJob: (tenantId, jobId, followerWorkflowId, update, ...args) =>
      withStart(
        'routerJob',
        routerJobWorkflowId(tenantId, jobId),
        [{ tenantId, jobId, notify: { workflowId: followerWorkflowId } }],
        tenantId,
        update,
        args,
        `Job ${jobId} not found.`,
      ),
    async jobAction(tenantId, jobId, update, ...args) {
      try {
        return await executeUpdate(temporal.workflow.getHandle(routerJobWorkflowId(tenantId, jobId)), update, args);
      } catch (error) {
        throw serviceErrorOf(error, `Job ${jobId} not found.`);
      }
    },
    routerUpdate: (tenantId, update, ...args) =>
      withStart(
        'tenantRouter',
        tenantRouterWorkflowId(tenantId),
        [{ tenantId }],
        tenantId,
        update,
        args,
        'The router is not running.',
      ),
    router: (tenantId) => temporal.workflow.getHandle(tenantRouterWorkflowId(tenantId)),
    async configChanged(tenantId) {
      try {
        await temporal.workflow.getHandle(tenantRouterWorkflowId(tenantId)).signal(configChangedSignal);
      } catch (error) {
        // No router yet: it loads the configuration when it starts.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
  };
}
