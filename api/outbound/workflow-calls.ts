/**
 * How the outbound API (and the activities that create jobs) talk to the outbound workflows. Ids come from
 * domain/ids.ts; every start is idempotent (USE_EXISTING on the job's id), so a retried create never makes a second
 * workflow for a job.
 */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isErrorCode, ServiceError } from '../../domain/errors';
import { assignJobsAsyncWorkflowId, outboundJobWorkflowId, taskQueue } from '../../domain/ids';
import {
  type AssignJobsAsyncInput,
  controlJobSignal,
  type JobControl,
  type OutboundJobInput,
  type TaskOutcome,
  taskOutcomeUpdate,
} from '../../domain/outbound/messages';
import type { Task } from '../../domain/outbound/records';
import { CapabilityAttribute, StatusAttribute, TenantIdAttribute } from '../../domain/search-attributes';

export interface OutboundWorkflows {
  /** Starts a job's workflow unless it runs already. */
  startJob(input: OutboundJobInput): Promise<void>;
  /** Sends a control; false when the job's workflow has ended (the job is finished). */
  controlJob(tenantId: string, jobId: string, control: JobControl): Promise<boolean>;
  /** Reports a task's call details to its job. */
  reportOutcome(tenantId: string, jobId: string, taskId: string, outcome: TaskOutcome): Promise<Task>;
  startAssignJobsAsync(input: AssignJobsAsyncInput): Promise<void>;
}

export function outboundWorkflows(temporal: Client, taskQueuePrefix: string): OutboundWorkflows {
  const queue = taskQueue('outbound', taskQueuePrefix);
  const attributes = (tenantId: string, status?: string) => [
    { key: TenantIdAttribute, value: tenantId },
    { key: CapabilityAttribute, value: 'outbound' },
    ...(status === undefined ? [] : [{ key: StatusAttribute, value: status }]),
  ];
  return {
    async startJob(input) {
      await temporal.workflow.start('outboundJob', {
        workflowId: outboundJobWorkflowId(input.tenantId, input.jobId),
        taskQueue: queue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: attributes(input.tenantId, input.view.Status),
      });
    },
    async controlJob(tenantId, jobId, control) {
      try {
        await temporal.workflow.getHandle(outboundJobWorkflowId(tenantId, jobId)).signal(controlJobSignal, { control });
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
    async reportOutcome(tenantId, jobId, taskId, outcome) {
      try {
        return await temporal.workflow
          .getHandle(outboundJobWorkflowId(tenantId, jobId))
          .executeUpdate(taskOutcomeUpdate, { args: [{ taskId, outcome }] });
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) {
          throw new ServiceError(
            'conflict',
            `Task ${taskId}'s job has finished and no longer accepts outcomes (they are accepted while the job runs and for a while after it ends).`,
          );
        }
        if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
          const { type, message } = error.cause;
          if (type && isErrorCode(type)) throw new ServiceError(type, message);
        }
        throw error;
      }
    },
    async startAssignJobsAsync(input) {
      await temporal.workflow.start('assignJobsAsync', {
        workflowId: assignJobsAsyncWorkflowId(input.tenantId, input.asyncTaskId),
        taskQueue: queue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: attributes(input.tenantId),
      });
    },
  };
}
