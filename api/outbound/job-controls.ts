/**
 * CancelJobs, SuspendJobs and ResumeJobs (spec §2.7). The jobs are chosen from the read model's index, then each
 * job's workflow gets the control as a signal: the workflow decides what it means at that moment (a pending timer
 * stops; a call in progress finishes first). Choices for the undocumented parts (docs/outbound.md §6):
 *
 * - `All=true` acts on every job of `JobGroupId`, or of the whole instance without it; `JobId.N` and
 *   `JobReferenceId.N` are then ignored.
 * - `All=false` needs `JobId.N` or `JobReferenceId.N`: a job matching either list is chosen (`JobGroupId`, when
 *   given, narrows the choice).
 * - Jobs a control does not apply to (a finished job, resuming a job that is not paused) are skipped: every call is
 *   idempotent.
 */
import { z } from 'zod';
import { mapBounded } from '../../db/bounded';
import type { JobFilter } from '../../db/outbound/jobs';
import { ServiceError } from '../../domain/errors';
import type { JobControl } from '../../domain/outbound/messages';
import type { JobStatus } from '../../domain/outbound/records';
import type { ApiDeps } from '../context';
import { defineAction, type RpcAction } from '../http/rpc';
import { listParam, requireInstance, requireJobGroup, rpcBoolean, rpcId } from './common';
import { outboundWorkflows } from './workflow-calls';

/** The job statuses each control applies to. */
const APPLIES_TO: Record<JobControl, readonly JobStatus[]> = {
  cancel: ['Scheduling', 'Executing', 'Paused', 'Drafted'],
  suspend: ['Scheduling', 'Executing'],
  // A job suspended during a call shows Executing until the call ends: it must hear a resume too.
  resume: ['Paused', 'Executing'],
};

/** Signals sent at once. */
const SIGNALS_IN_FLIGHT = 16;

export interface JobSelection {
  instanceId: string;
  jobGroupId?: string;
  jobIds?: string[];
  referenceIds?: string[];
}

/** Sends the control to every selected job it applies to; returns how many got it. */
export async function applyJobControl(
  deps: Pick<ApiDeps, 'db' | 'temporal' | 'config'>,
  tenantId: string,
  selection: JobSelection,
  control: JobControl,
): Promise<number> {
  const filter: JobFilter = {
    instanceId: selection.instanceId,
    ...(selection.jobGroupId === undefined ? {} : { jobGroupId: selection.jobGroupId }),
    ...(selection.jobIds === undefined ? {} : { jobIds: selection.jobIds }),
    ...(selection.referenceIds === undefined ? {} : { referenceIds: selection.referenceIds }),
    statuses: APPLIES_TO[control],
  };
  const jobs = await deps.db.outboundJobs.find(tenantId, filter);
  const workflows = outboundWorkflows(deps.temporal, deps.config.CCFLOW_TASK_QUEUE_PREFIX);
  const sent = await mapBounded(jobs, SIGNALS_IN_FLIGHT, (job) => workflows.controlJob(tenantId, job.jobId, control));
  return sent.filter(Boolean).length;
}

const controlParams = z.object({
  InstanceId: rpcId,
  All: rpcBoolean,
  JobGroupId: rpcId.optional(),
  ScenarioId: z.string().optional(),
});

function controlAction(deps: ApiDeps, name: string, control: JobControl, summary: string): RpcAction {
  return defineAction({
    name,
    summary,
    params: controlParams,
    async handler({ req, tenant, params }) {
      const jobIds = listParam(req, 'JobId');
      const referenceIds = listParam(req, 'JobReferenceId');
      if (params.JobGroupId === undefined) await requireInstance(deps.db, tenant.id, params.InstanceId);
      else await requireJobGroup(deps.db, tenant.id, params.InstanceId, params.JobGroupId);
      if (!params.All && jobIds.length === 0 && referenceIds.length === 0) {
        throw new ServiceError(
          'missingParameter',
          'You must specify parameter JobId.N or JobReferenceId.N when All is false.',
        );
      }
      await applyJobControl(
        deps,
        tenant.id,
        {
          instanceId: params.InstanceId,
          ...(params.JobGroupId === undefined ? {} : { jobGroupId: params.JobGroupId }),
          ...(params.All ? {} : { jobIds, referenceIds }),
        },
        control,
      );
      return {};
    },
  });
}

export function jobControlActions(deps: ApiDeps): RpcAction[] {
  return [
    controlAction(deps, 'CancelJobs', 'cancel', 'Cancels jobs; a call in progress is not cut off'),
    controlAction(deps, 'SuspendJobs', 'suspend', 'Pauses jobs (Paused); a call in progress finishes first'),
    controlAction(deps, 'ResumeJobs', 'resume', 'Resumes paused jobs (back to Scheduling)'),
  ];
}
