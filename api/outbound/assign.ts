/**
 * AssignJobs, AssignJobsAsync and GetAssignJobsAsyncResult (spec §2.2, §2.3). Every job of a call is validated before
 * any is created: one bad `JobsJson` entry is a 400 naming it, and the call creates nothing.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import { assignJobsBlobKey } from '../../domain/outbound/messages';
import { type JobInput, jobInputSchema } from '../../domain/outbound/records';
import { outboundStrategySchema } from '../../domain/outbound/strategy';
import type { ApiDeps } from '../context';
import { defineAction, type RpcAction } from '../http/rpc';
import { jsonParam, listParam, parseJsonParam, requireInstance, requireJobGroup, rpcBoolean, rpcId } from './common';
import { createOutboundJobs } from './job-creation';
import { outboundWorkflows } from './workflow-calls';

/** AssignJobs' jobs per call (metadata `maxItems: 99`); AssignJobsAsync's. */
export const MAX_SYNC_JOBS = 99;
export const MAX_ASYNC_JOBS = 10_000;

/** A job entry: a JSON string (as the SDKs send it) or, in an AssignJobsAsync list, the object itself. */
function parseJob(name: string, entry: unknown): JobInput {
  const value = typeof entry === 'string' ? jsonParam(name, entry) : entry;
  return parseJsonParam(name, JSON.stringify(value), jobInputSchema);
}

/** StrategyJson, validated, as the text to store (it overrides the group's strategy for these jobs). */
function strategyOverride(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  parseJsonParam('StrategyJson', text, outboundStrategySchema);
  return text;
}

/** A list sent either as `Name.N` or, json style, as one JSON array in `Name` (AssignJobsAsync). */
function jsonStyleList(raw: string | undefined, name: string): unknown[] | undefined {
  if (raw === undefined) return undefined;
  const value = jsonParam(name, raw);
  if (!Array.isArray(value)) {
    throw new ServiceError('validationFailed', `The specified parameter ${name} is invalid: must be a JSON array.`);
  }
  return value as unknown[];
}

export function assignActions(deps: ApiDeps): RpcAction[] {
  const { db, temporal, config, blobs } = deps;
  const taskQueuePrefix = config.CCFLOW_TASK_QUEUE_PREFIX;
  return [
    defineAction({
      name: 'AssignJobs',
      summary: 'Adds jobs (JobsJson.N, at most 99) to a job group; each is scheduled by its own workflow',
      params: z.object({
        InstanceId: rpcId,
        JobGroupId: rpcId,
        StrategyJson: z.string().optional(),
        RosterType: z.string().optional(),
        JobDataParsingTaskId: z.string().optional(),
        IsAsynchrony: rpcBoolean.optional(),
      }),
      async handler({ req, tenant, params }) {
        const entries = listParam(req, 'JobsJson', MAX_SYNC_JOBS);
        const callingNumbers = listParam(req, 'CallingNumber', 99);
        const group = await requireJobGroup(db, tenant.id, params.InstanceId, params.JobGroupId);
        if (entries.length === 0) throw new ServiceError('missingParameter', 'You must specify parameter JobsJson.N.');
        const inputs = entries.map((entry, index) => parseJob(`JobsJson.${index + 1}`, entry));
        const strategyJson = strategyOverride(params.StrategyJson);
        const instance = await requireInstance(db, tenant.id, params.InstanceId);
        const jobs = inputs.map((input) => ({ jobId: randomUUID(), input }));
        await createOutboundJobs(
          { db, temporal, taskQueuePrefix },
          {
            tenantId: tenant.id,
            instance,
            group,
            jobs,
            callingNumbers,
            ...(strategyJson === undefined ? {} : { strategyJson }),
            createdAt: Date.now(),
          },
        );
        return { JobGroupId: group.jobGroupId, JobsId: jobs.map((job) => job.jobId) };
      },
    }),
    defineAction({
      name: 'AssignJobsAsync',
      summary: 'Adds up to 10,000 jobs to a job group in the background; GetAssignJobsAsyncResult tells when done',
      params: z.object({
        InstanceId: rpcId,
        JobGroupId: rpcId,
        StrategyJson: z.string().optional(),
        JobsJson: z.string().optional(),
        CallingNumber: z.string().optional(),
      }),
      async handler({ req, tenant, params }) {
        const group = await requireJobGroup(db, tenant.id, params.InstanceId, params.JobGroupId);
        const entries = jsonStyleList(params.JobsJson, 'JobsJson') ?? listParam(req, 'JobsJson', MAX_ASYNC_JOBS);
        if (entries.length === 0) throw new ServiceError('missingParameter', 'You must specify parameter JobsJson.');
        if (entries.length > MAX_ASYNC_JOBS) {
          throw new ServiceError(
            'validationFailed',
            `The specified parameter JobsJson is invalid: at most ${MAX_ASYNC_JOBS} jobs are accepted, got ${entries.length}.`,
          );
        }
        const jobs = entries.map((entry, index) => parseJob(`JobsJson[${index}]`, entry));
        const numbers = jsonStyleList(params.CallingNumber, 'CallingNumber') ?? listParam(req, 'CallingNumber', 99);
        const callingNumbers = numbers.map(String);
        const strategyJson = strategyOverride(params.StrategyJson);
        const asyncTaskId = randomUUID();
        const jobsBlobKey = assignJobsBlobKey(tenant.id, asyncTaskId);
        // Stored as the validated objects with their original keys: the workflow's activity parses them again.
        const originals = entries.map((entry) => (typeof entry === 'string' ? (JSON.parse(entry) as unknown) : entry));
        await blobs.putBuffer(jobsBlobKey, JSON.stringify(originals));
        await db.outboundJobs.putAssignTask(tenant.id, asyncTaskId, {
          jobGroupId: group.jobGroupId,
          jobsId: [],
          valid: false,
          timeout: false,
        });
        await outboundWorkflows(temporal, taskQueuePrefix).startAssignJobsAsync({
          tenantId: tenant.id,
          instanceId: params.InstanceId,
          jobGroupId: group.jobGroupId,
          asyncTaskId,
          jobsBlobKey,
          total: jobs.length,
          createdAt: Date.now(),
          ...(callingNumbers.length > 0 ? { callingNumbers } : {}),
          ...(strategyJson === undefined ? {} : { strategyJson }),
        });
        return { AsyncTaskId: asyncTaskId };
      },
    }),
    defineAction({
      name: 'GetAssignJobsAsyncResult',
      summary: 'Whether an AssignJobsAsync call has created its jobs (Valid), and their ids',
      params: z.object({ AsyncTaskId: rpcId }),
      async handler({ tenant, params }) {
        const result = await db.outboundJobs.getAssignTask(tenant.id, params.AsyncTaskId);
        if (!result) {
          throw new ServiceError(
            'validationFailed',
            `The specified parameter AsyncTaskId is invalid: no AssignJobsAsync call ${params.AsyncTaskId}.`,
          );
        }
        return {
          JobGroupId: result.jobGroupId,
          JobsId: result.jobsId,
          Valid: result.valid,
          Timeout: result.timeout,
          ...(result.error === undefined ? {} : { Message: result.error }),
        };
      },
    }),
  ];
}
