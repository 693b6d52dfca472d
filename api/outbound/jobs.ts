/**
 * The job reads of OutboundBot (spec §1, §2.5, §2.6): `ListJobs` (≤ 99 ids), `DescribeJob`, `ListJobsByGroup`. All of
 * them read the read model the job workflows write (db/outbound/jobs.ts); nothing is computed from histories.
 */
import { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import {
  type DESCRIBE_ONLY_JOB_FIELDS,
  FAILURE_REASONS,
  JOB_STATUSES,
  type JobView,
} from '../../domain/outbound/records';
import type { ApiDeps } from '../context';
import { defineAction, type RpcAction } from '../http/rpc';
import { listParam, requireInstance, requireJobGroup, rpcBoolean, rpcId, rpcInt } from './common';

/** ListJobs' ids per call (metadata `maxItems: 99`). */
export const MAX_LIST_JOB_IDS = 99;

/** A job as ListJobs shows it: the DescribeJob-only fields left out. */
export function listedJob(view: JobView): Omit<JobView, (typeof DESCRIBE_ONLY_JOB_FIELDS)[number]> {
  const { InstanceId: _instance, CalledNumber: _called, NextExecutionTime: _next, ...listed } = view;
  return listed;
}

/** ListJobsByGroup's items carry no Tasks (spec §2.5). */
function groupListedJob(view: JobView) {
  const { Tasks: _tasks, ...rest } = listedJob(view);
  return rest;
}

export function jobReadActions({ db }: ApiDeps): RpcAction[] {
  return [
    defineAction({
      name: 'ListJobs',
      summary: 'Jobs by id (JobId.N, at most 99), each with its contacts, extras, summary and every attempt',
      params: z.object({ InstanceId: rpcId }),
      async handler({ req, tenant, params }) {
        const ids = listParam(req, 'JobId', MAX_LIST_JOB_IDS);
        if (ids.length === 0) throw new ServiceError('missingParameter', 'You must specify parameter JobId.N.');
        await requireInstance(db, tenant.id, params.InstanceId);
        // Duplicates are answered once, in the order first asked; unknown ids and other instances' jobs are omitted.
        const unique = [...new Set(ids)];
        const jobs = await db.outboundJobs.getMany(tenant.id, unique);
        return { Jobs: jobs.filter((job) => job.InstanceId === params.InstanceId).map(listedJob) };
      },
    }),
    defineAction({
      name: 'DescribeJob',
      summary: 'One job with every attempt, its transcript and the next planned attempt',
      params: z.object({ InstanceId: rpcId, JobId: rpcId, WithScript: rpcBoolean.optional() }),
      async handler({ tenant, params }) {
        await requireInstance(db, tenant.id, params.InstanceId);
        const job = await db.outboundJobs.get(tenant.id, params.JobId);
        if (!job || job.InstanceId !== params.InstanceId) {
          throw new ServiceError('jobNotFound', `The specified Job does not exist: ${params.JobId}.`);
        }
        return { Job: job };
      },
    }),
    defineAction({
      name: 'ListJobsByGroup',
      summary: "A page of a job group's jobs (without their attempts), by status and failure reason",
      params: z.object({
        InstanceId: rpcId,
        JobGroupId: rpcId,
        PageNumber: rpcInt(1, 1_000_000),
        PageSize: rpcInt(1, 1_000),
        JobStatus: z.enum(JOB_STATUSES).optional(),
        JobFailureReason: z.enum(FAILURE_REASONS).optional(),
      }),
      async handler({ tenant, params }) {
        await requireJobGroup(db, tenant.id, params.InstanceId, params.JobGroupId);
        const { total, jobs } = await db.outboundJobs.page(
          tenant.id,
          {
            instanceId: params.InstanceId,
            jobGroupId: params.JobGroupId,
            ...(params.JobStatus === undefined ? {} : { statuses: [params.JobStatus] }),
            ...(params.JobFailureReason === undefined ? {} : { failureReason: params.JobFailureReason }),
          },
          (params.PageNumber - 1) * params.PageSize,
          params.PageSize,
        );
        return {
          Jobs: {
            PageNumber: params.PageNumber,
            PageSize: params.PageSize,
            TotalCount: total,
            List: jobs.map(groupListedJob),
          },
        };
      },
    }),
  ];
}
