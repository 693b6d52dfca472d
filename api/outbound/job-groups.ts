/**
 * OutboundBot job groups (spec §2.1, §2.8–§2.10): Create/Describe/List/Modify/DeleteJobGroup. The record keeps the
 * strategy JSON text as received; responses rebuild the §2.12 response form from it. A group's `Status` and
 * `Progress` are computed at read time from its jobs' read model, so they never lag behind the jobs; only `Draft`
 * and `Paused` (set by ModifyJobGroup) are stored.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { JobProgress } from '../../db/outbound/jobs';
import { ServiceError } from '../../domain/errors';
import type { JobStatus } from '../../domain/outbound/records';
import { GROUP_PRIORITIES, type InstanceRecord, type JobGroupRecord } from '../../domain/outbound/resources';
import { outboundStrategySchema, recallStrategySchema } from '../../domain/outbound/strategy';
import type { ApiDeps } from '../context';
import { defineAction, type RpcAction } from '../http/rpc';
import {
  jsonParam,
  listParam,
  parseJsonParam,
  requireInstance,
  requireJobGroup,
  rpcBoolean,
  rpcId,
  rpcInt,
} from './common';
import { applyJobControl } from './job-controls';
import { wallTime } from './settings';

const DEFAULT_RINGING_DURATION = 25;
const GROUP_STATUSES = [
  'Draft',
  'Scheduling',
  'Executing',
  'Completed',
  'Paused',
  'Failed',
  'Cancelled',
  'Initializing',
] as const;
/** ModifyJobGroup's JobGroupStatus: the vendor's Draft and Paused, plus ccflow's Scheduling to release either. */
const SETTABLE_STATUSES = ['Draft', 'Paused', 'Scheduling'] as const;

/** An enum parameter matched case-insensitively and answered in its canonical spelling. */
const rpcEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .trim()
    .transform((text) => values.find((value) => value.toLowerCase() === text.toLowerCase()) ?? text)
    .pipe(z.enum(values));

const groupName = z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** The optional fields CreateJobGroup and ModifyJobGroup share. */
const groupFields = {
  ScriptId: text(256).optional(),
  ScenarioId: text(256).optional(),
  StrategyJson: z.string().optional(),
  RecallStrategyJson: z.string().optional(),
  RingingDuration: rpcInt(1, 3600).optional(),
  Priority: rpcEnum(GROUP_PRIORITIES).optional(),
  MinConcurrency: rpcInt(0, 1000).optional(),
  FlashSmsExtras: z.string().optional(),
};

const flashSmsSchema = z.object({
  templateId: z.union([z.string(), z.number()]).transform(String).optional(),
  configId: z.union([z.string(), z.number()]).transform(String).optional(),
  templateContent: z.string().optional(),
});

/** Validates the JSON-valued parameters (a failure names the parameter and the field); the text is what is stored. */
function checkJsonParams(params: { StrategyJson?: string; RecallStrategyJson?: string; FlashSmsExtras?: string }) {
  if (params.StrategyJson !== undefined) parseJsonParam('StrategyJson', params.StrategyJson, outboundStrategySchema);
  if (params.RecallStrategyJson !== undefined) {
    parseJsonParam('RecallStrategyJson', params.RecallStrategyJson, recallStrategySchema);
  }
  if (params.FlashSmsExtras !== undefined) parseJsonParam('FlashSmsExtras', params.FlashSmsExtras, flashSmsSchema);
}

/** Guaranteed concurrency of one priority may not exceed the instance's concurrency (the SDK's documented rule). */
async function checkMinConcurrency(deps: ApiDeps, tenantId: string, instance: InstanceRecord, group: JobGroupRecord) {
  if (group.minConcurrency === 0) return;
  const others = (await deps.db.outbound.groups.list(tenantId, instance.instanceId)).filter(
    (other) => other.jobGroupId !== group.jobGroupId && other.priority === group.priority,
  );
  const total = others.reduce((sum, other) => sum + other.minConcurrency, group.minConcurrency);
  if (total > instance.maxConcurrentConversation) {
    throw new ServiceError(
      'validationFailed',
      `The specified parameter MinConcurrency is invalid: the ${group.priority} job groups of instance ${instance.instanceId} would guarantee ${total} concurrent calls, more than its MaxConcurrentConversation of ${instance.maxConcurrentConversation}.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Views

const count = (progress: JobProgress, ...statuses: JobStatus[]): number =>
  statuses.reduce((sum, status) => sum + (progress.byStatus[status] ?? 0), 0);

/** Stored Draft/Paused win; otherwise the jobs decide (a job in a call makes the group Executing). */
export function groupStatusOf(group: JobGroupRecord, progress: JobProgress): string {
  if (group.status === 'Draft' || group.status === 'Paused') return group.status;
  if (progress.total === 0) return 'Scheduling';
  if (count(progress, 'Executing') > 0) return 'Executing';
  if (count(progress, 'Scheduling', 'Paused', 'Drafted') > 0) return 'Scheduling';
  return 'Completed';
}

/** The Progress object; ListJobGroups spells four counters with a `Num` suffix (the SDK models differ). */
function progressView(progress: JobProgress, status: string, suffix: '' | 'Num'): Record<string, unknown> {
  return {
    TotalJobs: progress.total,
    TotalCompleted: count(progress, 'Succeeded', 'Failed', 'Cancelled'),
    // A Drafted job is still being imported: it waits like a Scheduling one.
    Scheduling: count(progress, 'Scheduling', 'Drafted'),
    [`Executing${suffix}`]: count(progress, 'Executing'),
    [`Paused${suffix}`]: count(progress, 'Paused'),
    [`Failed${suffix}`]: count(progress, 'Failed'),
    [`Cancelled${suffix}`]: count(progress, 'Cancelled'),
    Status: status,
  };
}

const REPEAT_BY = { once: 'Once', day: 'Day', week: 'Week', month: 'Month' } as const;

/** §2.12 response form. The stored text was validated when written; a record that no longer parses shows defaults. */
function strategyView(group: JobGroupRecord): Record<string, unknown> {
  const parsed = outboundStrategySchema.safeParse(JSON.parse(group.strategyJson));
  const strategy = parsed.success ? parsed.data : {};
  const epoch = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
  return {
    StrategyId: group.jobGroupId,
    StrategyName: strategy.name ?? '',
    StrategyDescription: '',
    Type: strategy.repeatable ? 'Repeatable' : 'Normal',
    StartTime: epoch(strategy.startTime),
    EndTime: epoch(strategy.endTime),
    RepeatBy: REPEAT_BY[strategy.repeatBy ?? 'once'],
    RepeatDays: (strategy.repeatDays ?? []).map(String),
    Repeatable: strategy.repeatable ?? false,
    MaxAttemptsPerDay: strategy.maxAttemptsPerDay,
    MinAttemptInterval: strategy.minAttemptInterval,
    RoutingStrategy: strategy.routingStrategy ?? 'None',
    WorkingTime: (strategy.workingTime ?? []).map((window) => ({
      BeginTime: wallTime(window.beginTime),
      EndTime: wallTime(window.endTime),
    })),
    IsTemplate: false,
  };
}

function recallView(group: JobGroupRecord): Record<string, boolean> {
  const parsed = recallStrategySchema.safeParse(JSON.parse(group.recallStrategyJson));
  const recall = parsed.success ? parsed.data : {};
  return {
    EmptyNumberIgnore: recall.emptyNumberIgnore ?? false,
    InArrearsIgnore: recall.inArrearsIgnore ?? false,
    OutOfServiceIgnore: recall.outOfServiceIgnore ?? false,
  };
}

/** The `JobGroup` of Create/Modify responses (Describe adds to it). */
function groupView(group: JobGroupRecord, status: string): Record<string, unknown> {
  return {
    JobGroupId: group.jobGroupId,
    JobGroupName: group.name,
    JobGroupDescription: group.description,
    Status: status,
    ScriptId: group.scriptId,
    ScenarioId: group.scenarioId,
    ScriptName: '',
    ScriptVersion: '',
    CreationTime: group.creationTime,
    ModifyTime: String(group.modifyTime),
    CallingNumbers: group.callingNumbers,
    RecallCallingNumbers: group.recallCallingNumbers,
    RecallStrategy: recallView(group),
    RingingDuration: group.ringingDuration,
    Priority: group.priority,
    MinConcurrency: group.minConcurrency,
    JobDataParsingTaskId: '',
    JobFilePath: '',
    ExportProgress: { FileHttpUrl: '', Progress: '', Status: '' },
    Strategy: strategyView(group),
  };
}

function flashSmsView(group: JobGroupRecord): Record<string, string> {
  if (group.flashSmsExtras === '') return {};
  const parsed = flashSmsSchema.safeParse(jsonParam('FlashSmsExtras', group.flashSmsExtras));
  return parsed.success ? { TemplateId: parsed.data.templateId ?? '', ConfigId: parsed.data.configId ?? '' } : {};
}

function describeView(group: JobGroupRecord, progress: JobProgress): Record<string, unknown> {
  const status = groupStatusOf(group, progress);
  return {
    ...groupView(group, status),
    ScriptNluEngine: '',
    FlashSmsExtras: flashSmsView(group),
    Progress: { ...progressView(progress, status, ''), Briefs: [], Categories: [] },
  };
}

function listItemView(group: JobGroupRecord, progress: JobProgress): Record<string, unknown> {
  const status = groupStatusOf(group, progress);
  const strategy = strategyView(group);
  return {
    JobGroupId: group.jobGroupId,
    JobGroupName: group.name,
    JobGroupDescription: group.description,
    Status: status,
    CreationTime: group.creationTime,
    ModifyTime: String(group.modifyTime),
    ScriptId: group.scriptId,
    ScriptName: '',
    ScriptVersion: '',
    MinConcurrency: group.minConcurrency,
    Priority: group.priority,
    JobDataParsingTaskId: '',
    Progress: progressView(progress, status, 'Num'),
    ExportProgress: { FileHttpUrl: '', Progress: '', Status: '' },
    Strategy: { StartTime: strategy.StartTime, EndTime: strategy.EndTime },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

const statusFilter = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )
  .pipe(z.array(rpcEnum(GROUP_STATUSES)));

export function jobGroupActions(deps: ApiDeps): RpcAction[] {
  const { db } = deps;
  const progressOf = (tenantId: string, group: JobGroupRecord) => db.outboundJobs.progress(tenantId, group.jobGroupId);

  return [
    defineAction({
      name: 'CreateJobGroup',
      summary: 'Creates a job group (no jobs yet) in an instance',
      params: z.object({
        InstanceId: rpcId,
        JobGroupName: groupName,
        JobGroupDescription: text(1024).optional(),
        ...groupFields,
      }),
      async handler({ req, tenant, params }) {
        const instance = await requireInstance(db, tenant.id, params.InstanceId);
        checkJsonParams(params);
        const callingNumbers = listParam(req, 'CallingNumber');
        const recallCallingNumbers = listParam(req, 'RecallCallingNumber');
        const now = Date.now();
        const scriptId = params.ScriptId ?? params.ScenarioId ?? '';
        const group: JobGroupRecord = {
          jobGroupId: randomUUID(),
          instanceId: instance.instanceId,
          name: params.JobGroupName,
          description: params.JobGroupDescription ?? '',
          scriptId,
          // The SDK calls ScenarioId legacy and asks callers to keep it equal to ScriptId.
          scenarioId: params.ScenarioId ?? scriptId,
          strategyJson: params.StrategyJson ?? '{}',
          recallStrategyJson: params.RecallStrategyJson ?? '{}',
          callingNumbers,
          recallCallingNumbers,
          ringingDuration: params.RingingDuration ?? DEFAULT_RINGING_DURATION,
          priority: params.Priority ?? 'Daily',
          minConcurrency: params.MinConcurrency ?? 0,
          status: 'Scheduling',
          flashSmsExtras: params.FlashSmsExtras ?? '',
          creationTime: now,
          modifyTime: now,
        };
        await checkMinConcurrency(deps, tenant.id, instance, group);
        await db.outbound.groups.put(tenant.id, group);
        return { JobGroup: groupView(group, 'Scheduling') };
      },
    }),
    defineAction({
      name: 'DescribeJobGroup',
      summary: 'One job group with its progress',
      params: z.object({ InstanceId: rpcId, JobGroupId: rpcId }),
      async handler({ tenant, params }) {
        const group = await requireJobGroup(db, tenant.id, params.InstanceId, params.JobGroupId);
        return { JobGroup: describeView(group, await progressOf(tenant.id, group)) };
      },
    }),
    defineAction({
      name: 'ListJobGroups',
      summary: "A page of an instance's job groups, newest first",
      params: z.object({
        InstanceId: rpcId,
        PageNumber: rpcInt(1, 1_000_000),
        PageSize: rpcInt(1, 100),
        StartTime: rpcInt(0, Number.MAX_SAFE_INTEGER).optional(),
        EndTime: rpcInt(0, Number.MAX_SAFE_INTEGER).optional(),
        SearchText: z.string().optional(),
        JobGroupStatusFilter: statusFilter.optional(),
        OnlyMinConcurrencyEnabled: rpcBoolean.optional(),
        // Answered synchronously either way: a tenant's groups are few.
        AsyncQuery: rpcBoolean.optional(),
      }),
      async handler({ tenant, params }) {
        await requireInstance(db, tenant.id, params.InstanceId);
        const needle = params.SearchText?.trim().toLowerCase() ?? '';
        const groups = (await db.outbound.groups.list(tenant.id, params.InstanceId))
          .reverse()
          .filter(
            (group) =>
              (params.StartTime === undefined || group.creationTime >= params.StartTime) &&
              (params.EndTime === undefined || group.creationTime <= params.EndTime) &&
              (needle === '' || group.name.toLowerCase().includes(needle)) &&
              (!params.OnlyMinConcurrencyEnabled || group.minConcurrency > 0),
          );
        const withProgress = async (group: JobGroupRecord) => ({ group, progress: await progressOf(tenant.id, group) });
        const wanted = params.JobGroupStatusFilter ?? [];
        const start = (params.PageNumber - 1) * params.PageSize;
        let total = groups.length;
        let page: { group: JobGroupRecord; progress: JobProgress }[];
        if (wanted.length > 0) {
          // The status depends on the jobs: every candidate's progress is needed before paging.
          const all = await Promise.all(groups.map(withProgress));
          const matching = all.filter(({ group, progress }) =>
            (wanted as string[]).includes(groupStatusOf(group, progress)),
          );
          total = matching.length;
          page = matching.slice(start, start + params.PageSize);
        } else {
          page = await Promise.all(groups.slice(start, start + params.PageSize).map(withProgress));
        }
        return {
          JobGroups: {
            PageNumber: params.PageNumber,
            PageSize: params.PageSize,
            TotalCount: total,
            List: page.map(({ group, progress }) => listItemView(group, progress)),
          },
        };
      },
    }),
    defineAction({
      name: 'ModifyJobGroup',
      summary: "Changes a job group's settings or status (Paused suspends its jobs)",
      params: z.object({
        InstanceId: rpcId,
        JobGroupId: rpcId,
        Name: groupName,
        Description: text(1024).optional(),
        JobGroupStatus: rpcEnum(SETTABLE_STATUSES).optional(),
        ...groupFields,
      }),
      async handler({ req, tenant, params }) {
        const instance = await requireInstance(db, tenant.id, params.InstanceId);
        const current = await requireJobGroup(db, tenant.id, params.InstanceId, params.JobGroupId);
        checkJsonParams(params);
        const callingNumbers = listParam(req, 'CallingNumber');
        const recallCallingNumbers = listParam(req, 'RecallCallingNumber');
        // Absent = unchanged (the SDK sends nothing for an absent field or an empty list).
        const group: JobGroupRecord = {
          ...current,
          name: params.Name,
          description: params.Description ?? current.description,
          scriptId: params.ScriptId ?? current.scriptId,
          scenarioId: params.ScenarioId ?? params.ScriptId ?? current.scenarioId,
          strategyJson: params.StrategyJson ?? current.strategyJson,
          recallStrategyJson: params.RecallStrategyJson ?? current.recallStrategyJson,
          callingNumbers: callingNumbers.length > 0 ? callingNumbers : current.callingNumbers,
          recallCallingNumbers: recallCallingNumbers.length > 0 ? recallCallingNumbers : current.recallCallingNumbers,
          ringingDuration: params.RingingDuration ?? current.ringingDuration,
          priority: params.Priority ?? current.priority,
          minConcurrency: params.MinConcurrency ?? current.minConcurrency,
          status: params.JobGroupStatus ?? current.status,
          flashSmsExtras: params.FlashSmsExtras ?? current.flashSmsExtras,
          modifyTime: Date.now(),
        };
        await checkMinConcurrency(deps, tenant.id, instance, group);
        await db.outbound.groups.put(tenant.id, group);
        // After the record: a job re-reads its group at each attempt, so none starts a call in between unnoticed.
        const filter = { instanceId: group.instanceId, jobGroupId: group.jobGroupId };
        if (params.JobGroupStatus === 'Paused') await applyJobControl(deps, tenant.id, filter, 'suspend');
        if (params.JobGroupStatus === 'Scheduling') await applyJobControl(deps, tenant.id, filter, 'resume');
        const progress = await progressOf(tenant.id, group);
        return {
          JobGroup: { ...groupView(group, groupStatusOf(group, progress)), FlashSmsExtras: group.flashSmsExtras },
        };
      },
    }),
    defineAction({
      name: 'DeleteJobGroup',
      summary: 'Cancels the unfinished jobs of a job group and deletes it',
      params: z.object({ InstanceId: rpcId, JobGroupId: rpcId }),
      async handler({ tenant, params }) {
        const group = await requireJobGroup(db, tenant.id, params.InstanceId, params.JobGroupId);
        await applyJobControl(
          deps,
          tenant.id,
          { instanceId: group.instanceId, jobGroupId: group.jobGroupId },
          'cancel',
        );
        await db.outbound.groups.remove(tenant.id, group.jobGroupId);
        return {};
      },
    }),
  ];
}
