/**
 * Creating outbound jobs, for AssignJobs (in the API) and AssignJobsAsync (in its workflow's activity): the read
 * model first (version 1, `Scheduling`), so a job is listed as soon as its creator answers, then one `outboundJob`
 * workflow per job. Both steps are idempotent (inserts skip existing jobs, starts use the job's workflow id), so a
 * retried batch creates nothing twice.
 */
import type { Client } from '@temporalio/client';
import type { Database } from '../../db/connection';
import { mapBounded } from '../../db/bounded';
import { attemptContextOf, newJobView, planNextAttempt } from '../../domain/outbound/attempts';
import type { JobInput } from '../../domain/outbound/records';
import { type InstanceRecord, type JobGroupRecord, routerPriorityOf } from '../../domain/outbound/resources';
import { outboundWorkflows } from './workflow-calls';

/** Workflow starts in flight per call. */
const STARTS_IN_FLIGHT = 16;

export interface JobCreation {
  tenantId: string;
  instance: InstanceRecord;
  group: JobGroupRecord;
  jobs: readonly { jobId: string; input: JobInput }[];
  /** AssignJobs' CallingNumber.N; else the group's numbers, else the instance's. */
  callingNumbers?: readonly string[];
  /** AssignJobs' StrategyJson (validated), overriding the group's for these jobs. */
  strategyJson?: string;
  createdAt: number;
  /** Position of the first job in its call (creation order within one millisecond). */
  firstPosition?: number;
}

export async function createOutboundJobs(
  deps: { db: Database; temporal: Client; taskQueuePrefix: string },
  creation: JobCreation,
): Promise<void> {
  const { tenantId, instance, group, createdAt } = creation;
  const callingNumbers = creation.callingNumbers?.length
    ? [...creation.callingNumbers]
    : group.callingNumbers.length > 0
      ? group.callingNumbers
      : instance.callingNumbers;
  const first = creation.firstPosition ?? 0;
  const blocked = await deps.db.outbound.blockList.blockedAmong(
    tenantId,
    instance.instanceId,
    creation.jobs.map(({ input }) => input.contacts[0]?.phonenumber ?? ''),
  );
  const now = Date.now();
  const created = creation.jobs.map(({ jobId, input }, index) => {
    const view = newJobView({
      jobId,
      instanceId: instance.instanceId,
      jobGroupId: group.jobGroupId,
      input,
      priority: routerPriorityOf(group.priority),
      callingNumbers,
    });
    // The first decision, made here: the job is listed with its next attempt time, and its workflow starts from
    // this context instead of reading it again (what makes 10,000 new jobs cheap).
    const context = attemptContextOf(instance, group, blocked.has(view.CalledNumber.trim()));
    const plan = planNextAttempt(context, [], view.CalledNumber, now, creation.strategyJson);
    const nextAt = plan.ok && plan.decision.kind === 'at' && plan.decision.at > now ? plan.decision.at : 0;
    return { view: { ...view, NextExecutionTime: nextAt }, context, position: first + index };
  });
  await deps.db.outboundJobs.insertMany(
    created.map(({ view, position }) => ({ tenantId, view, version: 1, createdAt, position })),
  );
  const workflows = outboundWorkflows(deps.temporal, deps.taskQueuePrefix);
  await mapBounded(created, STARTS_IN_FLIGHT, ({ view, context, position }) =>
    workflows.startJob({
      tenantId,
      jobId: view.JobId,
      view,
      context,
      createdAt,
      position,
      ...(creation.callingNumbers?.length ? { callingNumbers: [...creation.callingNumbers] } : {}),
      ...(creation.strategyJson === undefined ? {} : { strategyJson: creation.strategyJson }),
    }),
  );
}
