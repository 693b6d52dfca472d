/**
 * OutboundBot instances (Create/Describe/List/Modify/DeleteInstance): the tenant's containers of job groups, with
 * their concurrency cap, caller ids and ccflow's `TimeZone` extension (the zone every calling window is read in).
 * Shapes are the official SDK's response models; the extension fields (`CallingNumbers`, `TimeZone`) are extra keys,
 * which the SDK ignores.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import { DEFAULT_TIME_ZONE, type InstanceRecord, isTimeZone } from '../../domain/outbound/resources';
import type { ApiDeps } from '../context';
import { defineAction, type RpcAction } from '../http/rpc';
import { listParam, requireInstance, rpcId, rpcInt } from './common';
import { ensureInstanceQueue } from './router-queue';

/** OutboundBot's documented ceiling of MaxConcurrentConversation; above it is LimitExceeded, not InvalidParameter. */
export const MAX_CONCURRENT_CONVERSATION = 1000;

const instanceName = z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const description = z.string().max(1024, 'must be at most 1024 characters');
/** A positive integer; the upper bound is checked by the handler, which answers LimitExceeded for it. */
const concurrency = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1'));
const timeZone = z.string().trim().refine(isTimeZone, 'must be an IANA time zone name such as Asia/Shanghai');

function checkConcurrency(value: number): void {
  if (value > MAX_CONCURRENT_CONVERSATION) {
    throw new ServiceError(
      'concurrentConversationLimit',
      `The maximum number of concurrent conversations is exceeded: MaxConcurrentConversation ${value} is above ${MAX_CONCURRENT_CONVERSATION}.`,
    );
  }
}

/** Names are unique within a tenant (compared case-sensitively, after trimming). */
async function checkNameFree(deps: ApiDeps, tenantId: string, name: string, self?: string): Promise<void> {
  const clash = (await deps.db.outbound.instances.list(tenantId)).find(
    (other) => other.name === name && other.instanceId !== self,
  );
  if (clash) {
    throw new ServiceError(
      'instanceNameDuplicated',
      `The specified InstanceName already exists: "${name}" is the name of instance ${clash.instanceId}.`,
    );
  }
}

/** The `Instance` object of the Create/Describe/Modify responses and the `Instances[]` items of ListInstances. */
export function instanceView(record: InstanceRecord): Record<string, unknown> {
  return {
    InstanceId: record.instanceId,
    InstanceName: record.name,
    InstanceDescription: record.description,
    MaxConcurrentConversation: record.maxConcurrentConversation,
    CreationTime: record.createdAt,
    OwnerName: '',
    CreatorName: '',
    ResourceGroupId: '',
    CallingNumbers: record.callingNumbers,
    TimeZone: record.timeZone,
  };
}

export function instanceActions(deps: ApiDeps): RpcAction[] {
  const { db } = deps;
  return [
    defineAction({
      name: 'CreateInstance',
      summary: 'Creates an outbound instance (and its router queue)',
      params: z.object({
        InstanceName: instanceName,
        InstanceDescription: description.optional(),
        MaxConcurrentConversation: concurrency,
        TimeZone: timeZone.optional(),
      }),
      async handler({ req, tenant, params }) {
        checkConcurrency(params.MaxConcurrentConversation);
        const callingNumbers = listParam(req, 'CallingNumber');
        await checkNameFree(deps, tenant.id, params.InstanceName);
        const now = Date.now();
        const record: InstanceRecord = {
          instanceId: randomUUID(),
          name: params.InstanceName,
          description: params.InstanceDescription ?? '',
          maxConcurrentConversation: params.MaxConcurrentConversation,
          callingNumbers,
          timeZone: params.TimeZone ?? DEFAULT_TIME_ZONE,
          createdAt: now,
          modifiedAt: now,
        };
        // The queue first: an instance that exists always has somewhere to send its attempts.
        await ensureInstanceQueue(deps, tenant.id, record.instanceId);
        await db.outbound.instances.put(tenant.id, record);
        return { Instance: instanceView(record) };
      },
    }),
    defineAction({
      name: 'DescribeInstance',
      summary: 'One outbound instance',
      params: z.object({ InstanceId: rpcId }),
      async handler({ tenant, params }) {
        return { Instance: instanceView(await requireInstance(db, tenant.id, params.InstanceId)) };
      },
    }),
    defineAction({
      name: 'ListInstances',
      summary: "A page of the tenant's outbound instances, oldest first",
      params: z.object({
        PageNumber: rpcInt(1, 1_000_000).default(1),
        PageSize: rpcInt(1, 100).default(10),
        Name: z.string().optional(),
      }),
      async handler({ tenant, params }) {
        const needle = params.Name?.trim().toLowerCase();
        const all = (await db.outbound.instances.list(tenant.id)).filter(
          (record) => !needle || record.name.toLowerCase().includes(needle),
        );
        const start = (params.PageNumber - 1) * params.PageSize;
        return {
          PageNumber: params.PageNumber,
          PageSize: params.PageSize,
          TotalCount: all.length,
          Instances: all
            .slice(start, start + params.PageSize)
            .map((record) => ({ ...instanceView(record), IsPreset: false, ResourceTags: [] })),
        };
      },
    }),
    defineAction({
      name: 'ModifyInstance',
      summary: "Changes an outbound instance's name, description, concurrency, caller ids or time zone",
      params: z.object({
        InstanceId: rpcId,
        InstanceName: instanceName.optional(),
        InstanceDescription: description.optional(),
        MaxConcurrentConversation: concurrency,
        TimeZone: timeZone.optional(),
      }),
      async handler({ req, tenant, params }) {
        const current = await requireInstance(db, tenant.id, params.InstanceId);
        checkConcurrency(params.MaxConcurrentConversation);
        const callingNumbers = listParam(req, 'CallingNumber');
        if (params.InstanceName !== undefined && params.InstanceName !== current.name) {
          await checkNameFree(deps, tenant.id, params.InstanceName, current.instanceId);
        }
        const record: InstanceRecord = {
          ...current,
          name: params.InstanceName ?? current.name,
          description: params.InstanceDescription ?? current.description,
          maxConcurrentConversation: params.MaxConcurrentConversation,
          // Absent keeps the list: the SDK sends nothing for an empty list, so "clear" cannot be told from "keep".
          callingNumbers: callingNumbers.length > 0 ? callingNumbers : current.callingNumbers,
          timeZone: params.TimeZone ?? current.timeZone,
          modifiedAt: Date.now(),
        };
        await db.outbound.instances.put(tenant.id, record);
        return { Instance: instanceView(record) };
      },
    }),
    defineAction({
      name: 'DeleteInstance',
      summary: 'Deletes an outbound instance that has no job groups left',
      params: z.object({ InstanceId: rpcId }),
      async handler({ tenant, params }) {
        await requireInstance(db, tenant.id, params.InstanceId);
        const groups = await db.outbound.groups.list(tenant.id, params.InstanceId);
        if (groups.length > 0) {
          throw new ServiceError(
            'validationFailed',
            `The specified parameter InstanceId is invalid: instance ${params.InstanceId} still has ${groups.length} job group(s); delete its job groups first (DeleteJobGroup).`,
          );
        }
        await db.outbound.instances.remove(tenant.id, params.InstanceId);
        // Its block list goes with it. The router queue stays: the router API owns it once created, and it may still
        // hold finished jobs' history.
        const { entries } = await db.outbound.blockList.page(tenant.id, params.InstanceId, {
          skip: 0,
          limit: Number.MAX_SAFE_INTEGER,
        });
        await db.outbound.blockList.remove(
          tenant.id,
          params.InstanceId,
          entries.map((entry) => entry.phoneNumber),
        );
        return {};
      },
    }),
  ];
}
