/**
 * The outbound capability's side effects. Every one is idempotent, so Temporal may retry it: read-model writes are
 * versioned, an attempt's router job is named after its task (a retried dispatch finds it), slot requests are keyed
 * by task, job creation skips what exists.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createOutboundJobs } from '../../api/outbound/job-creation';
import { ensureInstanceQueue } from '../../api/outbound/router-queue';
import { routingWorkflows } from '../../api/routing/workflow-calls';
import { readBlobText } from '../../storage/blob-store';
import { outboundQueueId, outboundSlotsWorkflowId, taskQueue } from '../../domain/ids';
import {
  acquireSlotSignal,
  assignJobsBlobKey,
  type AssignJobsAsyncInput,
  releaseSlotSignal,
  type SlotRequest,
} from '../../domain/outbound/messages';
import { type JobInput, jobInputSchema, type JobView } from '../../domain/outbound/records';
import { type AttemptContext, attemptContextOf } from '../../domain/outbound/attempts';
import { cancelJobUpdate, upsertJobUpdate } from '../../domain/routing/messages';
import { ServiceError } from '../../domain/errors';
import { CapabilityAttribute, TenantIdAttribute } from '../../domain/search-attributes';
import type { ActivityDeps } from '../deps';

/** An attempt's context, or which of its owners no longer exists. */
export type LoadedAttemptContext = ({ found: true } & AttemptContext) | { found: false; missing: 'instance' | 'group' };

export interface AttemptDispatch {
  tenantId: string;
  instanceId: string;
  jobWorkflowId: string;
  taskId: string;
  priority: number;
  labels: Record<string, string>;
}

export function createOutboundActivities(deps: ActivityDeps) {
  const { db, temporal, config, blobs } = deps;
  const prefix = config.CCFLOW_TASK_QUEUE_PREFIX;
  const routing = routingWorkflows(temporal, prefix);

  const signalSlots = async (
    tenantId: string,
    instanceId: string,
    signal: typeof acquireSlotSignal | typeof releaseSlotSignal,
    args: [SlotRequest] | [{ taskId: string }],
  ): Promise<void> => {
    await temporal.workflow.signalWithStart('outboundSlots', {
      workflowId: outboundSlotsWorkflowId(tenantId, instanceId),
      taskQueue: taskQueue('outbound', prefix),
      args: [{ tenantId, instanceId }],
      signal: signal as typeof acquireSlotSignal,
      signalArgs: args as [SlotRequest],
      typedSearchAttributes: [
        { key: TenantIdAttribute, value: tenantId },
        { key: CapabilityAttribute, value: 'outbound' },
      ],
    });
  };

  return {
    async loadAttemptContext(input: {
      tenantId: string;
      instanceId: string;
      jobGroupId: string;
      phoneNumber: string;
    }): Promise<LoadedAttemptContext> {
      const { tenantId, instanceId, jobGroupId, phoneNumber } = input;
      const [instance, group, blocked] = await Promise.all([
        db.outbound.instances.get(tenantId, instanceId),
        db.outbound.groups.get(tenantId, jobGroupId),
        db.outbound.blockList.has(tenantId, instanceId, phoneNumber),
      ]);
      if (!instance) return { found: false, missing: 'instance' };
      if (!group) return { found: false, missing: 'group' };
      return { found: true, ...attemptContextOf(instance, group, blocked) };
    },

    /** The job's read model (versioned: a retried older write is dropped). */
    async publishOutboundJob(input: {
      tenantId: string;
      view: JobView;
      version: number;
      createdAt: number;
      position: number;
    }): Promise<void> {
      await db.outboundJobs.put(input);
    },

    async requestSlot(input: { tenantId: string; instanceId: string; request: SlotRequest }): Promise<void> {
      await signalSlots(input.tenantId, input.instanceId, acquireSlotSignal, [input.request]);
    },

    async releaseSlot(input: { tenantId: string; instanceId: string; taskId: string }): Promise<void> {
      await signalSlots(input.tenantId, input.instanceId, releaseSlotSignal, [{ taskId: input.taskId }]);
    },

    /**
     * The attempt as a router job on the instance's queue (channel `outboundVoice`), followed by the job's
     * workflow. A retry after a crash finds the router job already there and leaves it as it is.
     */
    async dispatchAttempt(input: AttemptDispatch): Promise<void> {
      const { tenantId, instanceId, taskId } = input;
      if (await db.routing.get(tenantId, 'jobs', taskId)) return;
      const patch = {
        channelId: 'outboundVoice',
        queueId: outboundQueueId(instanceId),
        priority: input.priority,
        labels: input.labels,
      };
      const upsert = () => routing.upsertFollowedJob(tenantId, taskId, input.jobWorkflowId, upsertJobUpdate, { patch });
      try {
        await upsert();
      } catch (error) {
        // An instance made before its queue existed (or whose queue was deleted): make it and try once more.
        if (!(error instanceof ServiceError)) throw error;
        await ensureInstanceQueue({ db, temporal, config }, tenantId, instanceId);
        try {
          await upsert();
        } catch (retried) {
          if (retried instanceof ServiceError) {
            throw ApplicationFailure.nonRetryable(retried.message, retried.code);
          }
          throw retried;
        }
      }
    },

    /**
     * Withdraws an attempt nobody has taken (its window closed, or its job was cancelled or suspended). Returns
     * false when a worker has it: then the call goes on and its outcome counts.
     */
    async withdrawAttempt(input: { tenantId: string; taskId: string; dispositionCode: string; note: string }) {
      try {
        await routing.jobAction(input.tenantId, input.taskId, cancelJobUpdate, {
          note: input.note,
          dispositionCode: input.dispositionCode,
          unlessAssigned: true,
        });
        return true;
      } catch (error) {
        if (error instanceof ServiceError && (error.code === 'conflict' || error.code === 'notFound')) return false;
        throw error;
      }
    },

    /** Creates jobs [from, to) of an AssignJobsAsync call; ids are derived from the call, so a retry is a no-op. */
    async createAssignedJobs(input: AssignJobsAsyncInput & { from: number; to: number; jobIds: string[] }) {
      const { tenantId } = input;
      const [instance, group] = await Promise.all([
        db.outbound.instances.get(tenantId, input.instanceId),
        db.outbound.groups.get(tenantId, input.jobGroupId),
      ]);
      if (!instance || !group) {
        throw ApplicationFailure.nonRetryable(
          `The ${instance ? 'job group' : 'instance'} was deleted while its jobs were being assigned.`,
          instance ? 'jobGroupNotFound' : 'instanceNotFound',
        );
      }
      const all = JSON.parse(await readBlobText(blobs, input.jobsBlobKey)) as unknown[];
      const jobs: { jobId: string; input: JobInput }[] = all.slice(input.from, input.to).map((raw, offset) => ({
        jobId: input.jobIds[offset] ?? '',
        input: jobInputSchema.parse(raw),
      }));
      await createOutboundJobs(
        { db, temporal, taskQueuePrefix: prefix },
        {
          tenantId,
          instance,
          group,
          jobs,
          ...(input.callingNumbers === undefined ? {} : { callingNumbers: input.callingNumbers }),
          ...(input.strategyJson === undefined ? {} : { strategyJson: input.strategyJson }),
          createdAt: input.createdAt,
          firstPosition: input.from,
        },
      );
    },

    async recordAssignResult(input: {
      tenantId: string;
      asyncTaskId: string;
      jobGroupId: string;
      jobsId: string[];
      valid: boolean;
      error?: string;
    }): Promise<void> {
      await db.outboundJobs.putAssignTask(input.tenantId, input.asyncTaskId, {
        jobGroupId: input.jobGroupId,
        jobsId: input.jobsId,
        valid: input.valid,
        timeout: false,
        ...(input.error === undefined ? {} : { error: input.error }),
      });
      if (input.valid) await blobs.delete(assignJobsBlobKey(input.tenantId, input.asyncTaskId));
    },
  };
}

export type OutboundActivities = ReturnType<typeof createOutboundActivities>;
