/**
 * OutboundBot instances, job groups, block list and instance settings through the real RPC endpoint on the real
 * servers: the official SDK's parameter names and response shapes (types included: the SDK drops a body that does
 * not fit its model), every error code of these actions, tenant isolation, XML, and that a refused request changes
 * nothing. No job exists here, so group progress is all zeros and Pause/Delete reach applyJobControl with no jobs.
 */
import { z } from 'zod';
import { outboundRpc, type RpcParams } from '../support/outbound';
import { type TestTenant, useTestStack } from '../support/stack';

const errorBody = z.object({ RequestId: z.string(), Code: z.string(), Message: z.string() });
const envelope = z.object({
  RequestId: z.string(),
  Success: z.literal(true),
  Code: z.literal('OK'),
  HttpStatusCode: z.literal(200),
});
const instanceShape = z.object({
  InstanceId: z.string(),
  InstanceName: z.string(),
  InstanceDescription: z.string(),
  MaxConcurrentConversation: z.number().int(),
  CreationTime: z.number().int(),
  CallingNumbers: z.array(z.string()),
  TimeZone: z.string(),
});
const strategyShape = z.object({
  StrategyId: z.string(),
  RepeatBy: z.string(),
  RepeatDays: z.array(z.string()),
  WorkingTime: z.array(z.object({ BeginTime: z.string(), EndTime: z.string() })),
  RoutingStrategy: z.string(),
  IsTemplate: z.boolean(),
  StartTime: z.number().int().optional(),
  EndTime: z.number().int().optional(),
  MaxAttemptsPerDay: z.number().int().optional(),
  MinAttemptInterval: z.number().int().optional(),
});
const groupShape = z.object({
  JobGroupId: z.string(),
  JobGroupName: z.string(),
  JobGroupDescription: z.string(),
  Status: z.string(),
  ScenarioId: z.string(),
  CreationTime: z.number().int(),
  ModifyTime: z.string().regex(/^\d+$/),
  CallingNumbers: z.array(z.string()),
  RecallCallingNumbers: z.array(z.string()),
  RecallStrategy: z.object({
    EmptyNumberIgnore: z.boolean(),
    InArrearsIgnore: z.boolean(),
    OutOfServiceIgnore: z.boolean(),
  }),
  RingingDuration: z.number().int(),
  Priority: z.enum(['Urgent', 'Daily']),
  MinConcurrency: z.number().int(),
  Strategy: strategyShape,
});
const describeProgress = z.object({
  TotalJobs: z.number().int(),
  TotalCompleted: z.number().int(),
  Scheduling: z.number().int(),
  Executing: z.number().int(),
  Paused: z.number().int(),
  Failed: z.number().int(),
  Cancelled: z.number().int(),
});
const listProgress = z.object({
  TotalJobs: z.number().int(),
  TotalCompleted: z.number().int(),
  Scheduling: z.number().int(),
  ExecutingNum: z.number().int(),
  PausedNum: z.number().int(),
  FailedNum: z.number().int(),
  CancelledNum: z.number().int(),
});
const listGroupsBody = envelope.extend({
  JobGroups: z.object({
    PageNumber: z.number().int(),
    PageSize: z.number().int(),
    TotalCount: z.number().int(),
    List: z.array(
      z.object({
        JobGroupId: z.string(),
        JobGroupName: z.string(),
        Status: z.string(),
        CreationTime: z.number().int(),
        ModifyTime: z.string(),
        Progress: listProgress,
        Strategy: z.object({ StartTime: z.number().int().optional(), EndTime: z.number().int().optional() }),
      }),
    ),
  }),
});
const blockListBody = envelope.extend({
  ContactBlocklistList: z.object({
    PageNumber: z.number().int(),
    PageSize: z.number().int(),
    TotalCount: z.number().int(),
    List: z.array(
      z.object({
        ContactBlockListId: z.string(),
        InstanceId: z.string(),
        PhoneNumber: z.string(),
        Name: z.string(),
        Remark: z.string(),
        Creator: z.string(),
        CreationTime: z.number().int(),
      }),
    ),
  }),
});

/** The documented StrategyJson example (§2.12), numbers as strings. */
const DOC_STRATEGY = JSON.stringify({
  maxAttemptsPerDay: '3',
  minAttemptInterval: '10',
  routingStrategy: 'LocalProvinceFirst',
  repeatDays: ['1', '2', '3'],
  workingTime: [
    { beginTime: '10:00:00', endTime: '11:00:00' },
    { beginTime: '14:00:00', endTime: '15:00:00' },
  ],
  repeatable: true,
  endTime: 1707494400000,
  startTime: 1706976000000,
  repeatBy: 'Week',
});

describe('OutboundBot instances, job groups, block list and settings', () => {
  const { stack, tenant } = useTestStack({ workers: false });
  const rpc = (owner: TestTenant = tenant) => outboundRpc(stack, owner);

  let seq = 0;
  const unique = (prefix: string) => `${prefix} ${Date.now().toString(36)}-${++seq}`;

  const expectError = async (action: string, params: RpcParams, status: number, code: string, owner?: TestTenant) => {
    const response = await rpc(owner).call(action, params);
    expect({ action, status: response.status, code: (response.body as { Code?: string }).Code }).toEqual({
      action,
      status,
      code,
    });
    return errorBody.parse(response.body).Message;
  };

  /** Refused calls: [action, params, error code, text the message must contain]. */
  type Refusal = readonly [string, RpcParams, string, string?];
  const refuses = async (cases: readonly Refusal[], owner?: TestTenant) => {
    for (const [action, params, code, names] of cases) {
      const message = await expectError(action, params, code.startsWith('NotExist.') ? 404 : 400, code, owner);
      if (names !== undefined) expect({ action, message }).toEqual({ action, message: expect.stringContaining(names) });
    }
  };

  const createInstance = async (params: RpcParams = {}, owner: TestTenant = tenant) => {
    const body = await rpc(owner).ok('CreateInstance', {
      InstanceName: unique('Instance'),
      MaxConcurrentConversation: 10,
      ...params,
    });
    return envelope.extend({ Instance: instanceShape }).parse(body).Instance;
  };
  const createGroup = async (instanceId: string, params: RpcParams = {}) => {
    const body = await rpc().ok('CreateJobGroup', { InstanceId: instanceId, JobGroupName: unique('Group'), ...params });
    return envelope.extend({ JobGroup: groupShape }).parse(body).JobGroup;
  };
  const describeGroup = async (instanceId: string, jobGroupId: string) => {
    const body = await rpc().ok('DescribeJobGroup', { InstanceId: instanceId, JobGroupId: jobGroupId });
    return envelope
      .extend({
        JobGroup: groupShape.extend({
          FlashSmsExtras: z.object({ TemplateId: z.string().optional(), ConfigId: z.string().optional() }),
          Progress: describeProgress,
          Strategy: strategyShape.extend({ Repeatable: z.boolean() }),
        }),
      })
      .parse(body).JobGroup;
  };
  const listGroups = async (instanceId: string, params: RpcParams = {}) =>
    listGroupsBody.parse(
      await rpc().ok('ListJobGroups', { InstanceId: instanceId, PageNumber: 1, PageSize: 100, ...params }),
    ).JobGroups;
  const instanceCount = async (owner: TestTenant = tenant) =>
    z.object({ TotalCount: z.number() }).parse(await rpc(owner).ok('ListInstances', { PageSize: 100 })).TotalCount;

  describe('instances', () => {
    it('creates, describes, lists, modifies and deletes an instance with the SDK shapes', async () => {
      const name = unique('Sales');
      const created = await createInstance({
        InstanceName: name,
        InstanceDescription: 'Outbound sales',
        MaxConcurrentConversation: 20,
        CallingNumber: ['02150001', '02150002'],
        TimeZone: 'Europe/Berlin',
      });
      expect(created).toMatchObject({
        InstanceName: name,
        InstanceDescription: 'Outbound sales',
        MaxConcurrentConversation: 20,
        CallingNumbers: ['02150001', '02150002'],
        TimeZone: 'Europe/Berlin',
      });
      expect(created.InstanceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Math.abs(created.CreationTime - Date.now())).toBeLessThan(60_000);

      const described = envelope
        .extend({ Instance: instanceShape })
        .parse(await rpc().ok('DescribeInstance', { InstanceId: created.InstanceId })).Instance;
      expect(described).toEqual(expect.objectContaining(created));

      const list = envelope
        .extend({
          PageNumber: z.literal(1),
          PageSize: z.literal(100),
          TotalCount: z.number().int(),
          Instances: z.array(instanceShape.extend({ IsPreset: z.boolean() })),
        })
        .parse(await rpc().ok('ListInstances', { PageNumber: 1, PageSize: 100, Name: name.toUpperCase() }));
      expect(list.Instances.map((item) => item.InstanceId)).toEqual([created.InstanceId]);
      expect(list.TotalCount).toBe(1);

      const renamed = unique('Renamed');
      const modified = envelope.extend({ Instance: instanceShape }).parse(
        await rpc().ok('ModifyInstance', {
          InstanceId: created.InstanceId,
          InstanceName: renamed,
          MaxConcurrentConversation: 5,
          CallingNumber: ['02150003'],
        }),
      ).Instance;
      expect(modified).toMatchObject({
        InstanceName: renamed,
        InstanceDescription: 'Outbound sales',
        MaxConcurrentConversation: 5,
        CallingNumbers: ['02150003'],
        TimeZone: 'Europe/Berlin',
        CreationTime: created.CreationTime,
      });

      envelope.parse(await rpc().ok('DeleteInstance', { InstanceId: created.InstanceId }));
      await expectError('DescribeInstance', { InstanceId: created.InstanceId }, 404, 'NotExist.Instance');
    });

    it('defaults the time zone and creates the router queue and distribution policy of the instance', async () => {
      const created = await createInstance();
      expect(created.TimeZone).toBe('Asia/Shanghai');
      expect(created.CallingNumbers).toEqual([]);
      const queueId = `outbound-${created.InstanceId}`;
      const queue = await stack.http.get(`/routing/queues/${queueId}?api-version=2023-11-01`).set(tenant.auth);
      expect(queue.status).toBe(200);
      expect(queue.body).toMatchObject({
        id: queueId,
        name: `Outbound instance ${created.InstanceId}`,
        distributionPolicyId: queueId,
      });
      const policy = await stack.http
        .get(`/routing/distributionPolicies/${queueId}?api-version=2023-11-01`)
        .set(tenant.auth);
      expect(policy.status).toBe(200);
      expect(policy.body).toMatchObject({
        offerExpiresAfterSeconds: 60,
        mode: { kind: 'longestIdle', minConcurrentOffers: 1, maxConcurrentOffers: 1 },
      });
      // Another tenant does not see it.
      const other = await stack.newTenant('Queue outsider');
      const foreign = await stack.http.get(`/routing/queues/${queueId}?api-version=2023-11-01`).set(other.auth);
      expect(foreign.status).toBe(404);
    });

    it('refuses bad CreateInstance and ModifyInstance parameters and stores nothing', async () => {
      const before = await instanceCount();
      const existing = await createInstance();
      const numbers = Array.from({ length: 100 }, (_, i) => `0215${String(i).padStart(4, '0')}`);
      const create = (params: RpcParams) => ['CreateInstance', { InstanceName: unique('x'), ...params }] as const;
      await refuses([
        ['CreateInstance', { MaxConcurrentConversation: 5 }, 'MissingParameter', 'InstanceName'],
        [...create({}), 'MissingParameter', 'MaxConcurrentConversation'],
        [...create({ MaxConcurrentConversation: 1001 }), 'LimitExceeded.ConcurrentConversation', '1000'],
        [...create({ MaxConcurrentConversation: 0 }), 'InvalidParameter', 'MaxConcurrentConversation'],
        [...create({ MaxConcurrentConversation: 'ten' }), 'InvalidParameter', 'MaxConcurrentConversation'],
        [...create({ MaxConcurrentConversation: 5, TimeZone: 'Mars/Olympus' }), 'InvalidParameter', 'TimeZone'],
        [...create({ MaxConcurrentConversation: 5, CallingNumber: numbers }), 'InvalidParameter', 'CallingNumber'],
        [
          'CreateInstance',
          { InstanceName: existing.InstanceName, MaxConcurrentConversation: 5 },
          'InvalidInstanceName.Duplicated',
          existing.InstanceName,
        ],
      ]);
      expect(await instanceCount()).toBe(before + 1);

      // Modify: a taken name, too much concurrency, a missing required parameter; the instance stays as it was.
      const second = await createInstance({ MaxConcurrentConversation: 7 });
      const modify = (params: RpcParams) => ['ModifyInstance', { InstanceId: second.InstanceId, ...params }] as const;
      await refuses([
        [
          ...modify({ InstanceName: existing.InstanceName, MaxConcurrentConversation: 7 }),
          'InvalidInstanceName.Duplicated',
        ],
        [...modify({ MaxConcurrentConversation: 5000 }), 'LimitExceeded.ConcurrentConversation'],
        [...modify({ MaxConcurrentConversation: 5, TimeZone: 'Nowhere' }), 'InvalidParameter', 'TimeZone'],
        [...modify({}), 'MissingParameter', 'MaxConcurrentConversation'],
      ]);
      const after = await rpc().ok('DescribeInstance', { InstanceId: second.InstanceId });
      expect(instanceShape.parse(after.Instance)).toEqual(second);
      // Keeping its own name is not a duplicate.
      await rpc().ok('ModifyInstance', {
        InstanceId: second.InstanceId,
        InstanceName: second.InstanceName,
        MaxConcurrentConversation: 8,
      });
    });

    it('answers NotExist.Instance for an unknown instance and for another tenant’s, in every action', async () => {
      const other = await stack.newTenant('Other outbound tenant');
      const foreign = await createInstance({}, other);
      // The same name is free in another tenant.
      await createInstance({ InstanceName: foreign.InstanceName });
      expect(await instanceCount(other)).toBe(1);

      for (const instanceId of ['00000000-0000-0000-0000-000000000000', foreign.InstanceId]) {
        const calls: [string, RpcParams][] = [
          ['DescribeInstance', { InstanceId: instanceId }],
          ['ModifyInstance', { InstanceId: instanceId, MaxConcurrentConversation: 3 }],
          ['DeleteInstance', { InstanceId: instanceId }],
          ['CreateJobGroup', { InstanceId: instanceId, JobGroupName: 'g' }],
          ['DescribeJobGroup', { InstanceId: instanceId, JobGroupId: 'g' }],
          ['ListJobGroups', { InstanceId: instanceId, PageNumber: 1, PageSize: 10 }],
          ['ModifyJobGroup', { InstanceId: instanceId, JobGroupId: 'g', Name: 'g' }],
          ['DeleteJobGroup', { InstanceId: instanceId, JobGroupId: 'g' }],
          ['SaveContactBlockList', { InstanceId: instanceId, ContactBlockListsJson: '[{"phoneNumber":"1"}]' }],
          ['GetContactBlockList', { InstanceId: instanceId }],
          ['DeleteContactBlockList', { InstanceId: instanceId, ContactBlockListId: '1' }],
          ['SaveMaxAttemptsPerDay', { EntryId: instanceId, StrategyLevel: 2, MaxAttemptsPerDay: 2 }],
          ['GetMaxAttemptsPerDay', { EntryId: instanceId, StrategyLevel: 2 }],
          ['SaveBaseStrategyPeriod', { EntryId: instanceId, StrategyLevel: 2 }],
          ['GetBaseStrategyPeriod', { EntryId: instanceId, StrategyLevel: 2 }],
        ];
        await refuses(calls.map(([action, params]) => [action, params, 'NotExist.Instance', 'Instance']));
      }
      // The other tenant's instance is untouched and still its own.
      const still = instanceShape.parse(
        (await rpc(other).ok('DescribeInstance', { InstanceId: foreign.InstanceId })).Instance,
      );
      expect(still).toEqual(foreign);
      const own = await rpc().ok('ListInstances', { PageSize: 100 });
      expect(JSON.stringify(own)).not.toContain(foreign.InstanceId);
    });

    it('refuses to delete an instance that still has job groups', async () => {
      const instance = await createInstance();
      const group = await createGroup(instance.InstanceId);
      expect(await expectError('DeleteInstance', { InstanceId: instance.InstanceId }, 400, 'InvalidParameter')).toMatch(
        /delete its job groups first/,
      );
      await rpc().ok('DescribeInstance', { InstanceId: instance.InstanceId });
      await rpc().ok('DeleteJobGroup', { InstanceId: instance.InstanceId, JobGroupId: group.JobGroupId });
      await rpc().ok('DeleteInstance', { InstanceId: instance.InstanceId });
      await expectError('DescribeInstance', { InstanceId: instance.InstanceId }, 404, 'NotExist.Instance');
    });
  });

  describe('job groups', () => {
    it('creates a group from the documented strategy example (numeric strings) and answers the §2.12 form', async () => {
      const instance = await createInstance({ MaxConcurrentConversation: 10 });
      const created = await createGroup(instance.InstanceId, {
        JobGroupDescription: 'Renewals',
        ScriptId: 'script-1',
        StrategyJson: DOC_STRATEGY,
        RecallStrategyJson: JSON.stringify({ emptyNumberIgnore: true, inArrearsIgnore: 'true' }),
        CallingNumber: ['02150001'],
        RecallCallingNumber: ['02150009'],
        RingingDuration: 30,
        Priority: 'Urgent',
        MinConcurrency: 4,
      });
      expect(created).toMatchObject({
        JobGroupDescription: 'Renewals',
        Status: 'Scheduling',
        ScenarioId: 'script-1',
        CallingNumbers: ['02150001'],
        RecallCallingNumbers: ['02150009'],
        RecallStrategy: { EmptyNumberIgnore: true, InArrearsIgnore: true, OutOfServiceIgnore: false },
        RingingDuration: 30,
        Priority: 'Urgent',
        MinConcurrency: 4,
        Strategy: {
          StrategyId: created.JobGroupId,
          RepeatBy: 'Week',
          RepeatDays: ['1', '2', '3'],
          MaxAttemptsPerDay: 3,
          MinAttemptInterval: 10,
          RoutingStrategy: 'LocalProvinceFirst',
          StartTime: 1706976000000,
          EndTime: 1707494400000,
          WorkingTime: [
            { BeginTime: '10:00:00', EndTime: '11:00:00' },
            { BeginTime: '14:00:00', EndTime: '15:00:00' },
          ],
        },
      });
      expect(created.ModifyTime).toBe(String(created.CreationTime));

      const described = await describeGroup(instance.InstanceId, created.JobGroupId);
      expect(described).toMatchObject({
        JobGroupId: created.JobGroupId,
        Status: 'Scheduling',
        Strategy: { ...created.Strategy, Repeatable: true },
        Progress: { TotalJobs: 0, TotalCompleted: 0, Scheduling: 0, Executing: 0, Paused: 0, Failed: 0, Cancelled: 0 },
      });

      // Defaults: Daily, 25 s ringing, an empty strategy answered as Once with no windows.
      const plain = await createGroup(instance.InstanceId);
      expect(plain).toMatchObject({
        Priority: 'Daily',
        RingingDuration: 25,
        MinConcurrency: 0,
        Strategy: { RepeatBy: 'Once', RepeatDays: [], WorkingTime: [] },
        RecallStrategy: { EmptyNumberIgnore: false, InArrearsIgnore: false, OutOfServiceIgnore: false },
      });
    });

    it('names the parameter and the field of a bad StrategyJson, RecallStrategyJson or Priority and stores nothing', async () => {
      const instance = await createInstance({ MaxConcurrentConversation: 4 });
      const create = (params: RpcParams) =>
        ['CreateJobGroup', { InstanceId: instance.InstanceId, JobGroupName: 'bad', ...params }] as const;
      const window = (beginTime: string, endTime: string) => JSON.stringify({ workingTime: [{ beginTime, endTime }] });
      await refuses([
        [
          ...create({ StrategyJson: '{"maxAttemptsPerDay":"three"}' }),
          'InvalidParameter',
          'StrategyJson.maxAttemptsPerDay',
        ],
        [...create({ StrategyJson: '{"maxAttemptsPerDay":0}' }), 'InvalidParameter', 'StrategyJson.maxAttemptsPerDay'],
        [
          ...create({ StrategyJson: '{"minAttemptInterval":"soon"}' }),
          'InvalidParameter',
          'StrategyJson.minAttemptInterval',
        ],
        [...create({ StrategyJson: window('10:00:00', '09:00:00') }), 'InvalidParameter', 'StrategyJson.workingTime.0'],
        [
          ...create({ StrategyJson: window('9h', '10:00') }),
          'InvalidParameter',
          'StrategyJson.workingTime.0.beginTime',
        ],
        [...create({ StrategyJson: '{"repeatBy":"Yearly"}' }), 'InvalidParameter', 'StrategyJson.repeatBy'],
        [
          ...create({ StrategyJson: '{"repeatBy":"Week","repeatDays":["9"]}' }),
          'InvalidParameter',
          'StrategyJson.repeatDays',
        ],
        [...create({ StrategyJson: 'not json' }), 'InvalidParameter', 'StrategyJson'],
        [
          ...create({ RecallStrategyJson: '{"emptyNumberIgnore":"maybe"}' }),
          'InvalidParameter',
          'RecallStrategyJson.emptyNumberIgnore',
        ],
        [...create({ FlashSmsExtras: '{"templateId":[1]}' }), 'InvalidParameter', 'FlashSmsExtras.templateId'],
        [...create({ Priority: 'Whenever' }), 'InvalidParameter', 'Priority'],
        [...create({ RingingDuration: 'long' }), 'InvalidParameter', 'RingingDuration'],
        // Guaranteed concurrency of one priority is capped by the instance's concurrency.
        [...create({ MinConcurrency: 5 }), 'InvalidParameter', 'MinConcurrency'],
        ['CreateJobGroup', { InstanceId: instance.InstanceId }, 'MissingParameter', 'JobGroupName'],
        ['CreateJobGroup', { JobGroupName: 'x' }, 'MissingParameter', 'InstanceId'],
      ]);
      expect((await listGroups(instance.InstanceId)).TotalCount).toBe(0);
      // Lenient: Priority in any case, numbers as strings.
      const urgent = await createGroup(instance.InstanceId, { Priority: 'urgent', MinConcurrency: '4' });
      expect(urgent).toMatchObject({ Priority: 'Urgent', MinConcurrency: 4 });
      await refuses([[...create({ Priority: 'Urgent', MinConcurrency: 1 }), 'InvalidParameter', 'MinConcurrency']]);
      await createGroup(instance.InstanceId, { Priority: 'Daily', MinConcurrency: 4 });
    });

    it('lists groups newest first with paging, search, creation-time and status filters and progress', async () => {
      const instance = await createInstance();
      const alpha = await createGroup(instance.InstanceId, { JobGroupName: 'Alpha renewals' });
      const beta = await createGroup(instance.InstanceId, { JobGroupName: 'Beta renewals' });
      const gamma = await createGroup(instance.InstanceId, {
        JobGroupName: 'Gamma survey',
        StrategyJson: DOC_STRATEGY,
      });

      const all = await listGroups(instance.InstanceId);
      expect(all.TotalCount).toBe(3);
      expect(all.List.map((item) => item.JobGroupId)).toEqual([gamma.JobGroupId, beta.JobGroupId, alpha.JobGroupId]);
      expect(all.List[0]).toMatchObject({
        Status: 'Scheduling',
        ModifyTime: gamma.ModifyTime,
        Progress: {
          TotalJobs: 0,
          TotalCompleted: 0,
          Scheduling: 0,
          ExecutingNum: 0,
          PausedNum: 0,
          FailedNum: 0,
          CancelledNum: 0,
        },
        Strategy: { StartTime: 1706976000000, EndTime: 1707494400000 },
      });

      const page2 = await listGroups(instance.InstanceId, { PageNumber: 2, PageSize: 2 });
      expect(page2).toMatchObject({ PageNumber: 2, PageSize: 2, TotalCount: 3 });
      expect(page2.List.map((item) => item.JobGroupId)).toEqual([alpha.JobGroupId]);

      const renewals = await listGroups(instance.InstanceId, { SearchText: 'RENEWALS' });
      expect(renewals.List.map((item) => item.JobGroupId).sort()).toEqual([alpha.JobGroupId, beta.JobGroupId].sort());

      const since = await listGroups(instance.InstanceId, { StartTime: beta.CreationTime });
      expect(since.List.map((item) => item.JobGroupId)).toEqual(
        expect.arrayContaining([gamma.JobGroupId, beta.JobGroupId]),
      );
      expect(since.List.every((item) => item.CreationTime >= beta.CreationTime)).toBe(true);
      const until = await listGroups(instance.InstanceId, { EndTime: alpha.CreationTime });
      expect(until.List.every((item) => item.CreationTime <= alpha.CreationTime)).toBe(true);
      expect(until.List.map((item) => item.JobGroupId)).toContain(alpha.JobGroupId);
      expect((await listGroups(instance.InstanceId, { StartTime: Date.now() + 60_000 })).TotalCount).toBe(0);

      await rpc().ok('ModifyJobGroup', {
        InstanceId: instance.InstanceId,
        JobGroupId: beta.JobGroupId,
        Name: 'Beta renewals',
        JobGroupStatus: 'Paused',
      });
      const paused = await listGroups(instance.InstanceId, { JobGroupStatusFilter: 'Paused' });
      expect(paused.List.map((item) => item.JobGroupId)).toEqual([beta.JobGroupId]);
      expect(paused.TotalCount).toBe(1);
      const either = await listGroups(instance.InstanceId, { JobGroupStatusFilter: 'Draft, Scheduling' });
      expect(either.List.map((item) => item.JobGroupId)).toEqual([gamma.JobGroupId, alpha.JobGroupId]);
      expect((await listGroups(instance.InstanceId, { JobGroupStatusFilter: 'Completed' })).TotalCount).toBe(0);

      const list = (params: RpcParams) => ['ListJobGroups', { InstanceId: instance.InstanceId, ...params }] as const;
      await refuses([
        [
          ...list({ PageNumber: 1, PageSize: 10, JobGroupStatusFilter: 'Sleeping' }),
          'InvalidParameter',
          'JobGroupStatusFilter',
        ],
        [...list({ PageNumber: 1, PageSize: 101 }), 'InvalidParameter', 'PageSize'],
        [...list({ PageNumber: 0, PageSize: 10 }), 'InvalidParameter', 'PageNumber'],
        [...list({ PageNumber: 1, PageSize: 10, StartTime: 'yesterday' }), 'InvalidParameter', 'StartTime'],
        [...list({ PageSize: 10 }), 'MissingParameter', 'PageNumber'],
      ]);
    });

    it('modifies a group (Paused, then Scheduling again), leaves it unchanged when refused, and deletes it', async () => {
      const instance = await createInstance();
      const group = await createGroup(instance.InstanceId, { JobGroupName: 'Before', StrategyJson: DOC_STRATEGY });
      const key = { InstanceId: instance.InstanceId, JobGroupId: group.JobGroupId };

      const modified = envelope.extend({ JobGroup: groupShape.extend({ FlashSmsExtras: z.string() }) }).parse(
        await rpc().ok('ModifyJobGroup', {
          ...key,
          Name: 'After',
          Description: 'changed',
          JobGroupStatus: 'Paused',
          StrategyJson: JSON.stringify({
            repeatBy: 'Day',
            maxAttemptsPerDay: 2,
            workingTime: [{ beginTime: '09:00', endTime: '18:00' }],
          }),
          Priority: 'Urgent',
          CallingNumber: ['0219999'],
          FlashSmsExtras: '{"templateId":"t1","configId":7}',
        }),
      ).JobGroup;
      expect(modified).toMatchObject({
        JobGroupName: 'After',
        JobGroupDescription: 'changed',
        Status: 'Paused',
        Priority: 'Urgent',
        CallingNumbers: ['0219999'],
        CreationTime: group.CreationTime,
        FlashSmsExtras: '{"templateId":"t1","configId":7}',
        Strategy: {
          RepeatBy: 'Day',
          MaxAttemptsPerDay: 2,
          WorkingTime: [{ BeginTime: '09:00:00', EndTime: '18:00:00' }],
        },
      });
      expect(Number(modified.ModifyTime)).toBeGreaterThanOrEqual(group.CreationTime);
      const described = await describeGroup(instance.InstanceId, group.JobGroupId);
      expect(described).toMatchObject({
        Status: 'Paused',
        JobGroupName: 'After',
        FlashSmsExtras: { TemplateId: 't1', ConfigId: '7' },
      });
      expect(described.Strategy.StartTime).toBeUndefined();

      // Refused changes leave the group as it was.
      await refuses([
        [
          'ModifyJobGroup',
          { ...key, Name: 'X', StrategyJson: '{"minAttemptInterval":"soon"}' },
          'InvalidParameter',
          'StrategyJson.minAttemptInterval',
        ],
        ['ModifyJobGroup', { ...key, Name: 'X', RecallStrategyJson: '[' }, 'InvalidParameter', 'RecallStrategyJson'],
        ['ModifyJobGroup', { ...key, Name: 'X', JobGroupStatus: 'Running' }, 'InvalidParameter', 'JobGroupStatus'],
        ['ModifyJobGroup', { ...key, Name: 'X', MinConcurrency: 11 }, 'InvalidParameter', 'MinConcurrency'],
        ['ModifyJobGroup', key, 'MissingParameter', 'Name'],
      ]);
      expect(await describeGroup(instance.InstanceId, group.JobGroupId)).toEqual(described);

      await rpc().ok('ModifyJobGroup', { ...key, Name: 'After', JobGroupStatus: 'Scheduling' });
      expect((await describeGroup(instance.InstanceId, group.JobGroupId)).Status).toBe('Scheduling');
      await rpc().ok('ModifyJobGroup', { ...key, Name: 'After', JobGroupStatus: 'Draft' });
      expect((await describeGroup(instance.InstanceId, group.JobGroupId)).Status).toBe('Draft');

      envelope.parse(await rpc().ok('DeleteJobGroup', key));
      await refuses([
        ['DescribeJobGroup', key, 'NotExist.JobGroup', group.JobGroupId],
        ['DeleteJobGroup', key, 'NotExist.JobGroup'],
        ['ModifyJobGroup', { ...key, Name: 'again' }, 'NotExist.JobGroup'],
      ]);
      expect((await listGroups(instance.InstanceId)).TotalCount).toBe(0);
    });

    it('answers NotExist.JobGroup for an unknown group and for a group of another instance', async () => {
      const first = await createInstance();
      const second = await createInstance();
      const group = await createGroup(first.InstanceId);
      for (const [instanceId, jobGroupId] of [
        [first.InstanceId, 'no-such-group'],
        [second.InstanceId, group.JobGroupId],
      ] as const) {
        const key = { InstanceId: instanceId, JobGroupId: jobGroupId };
        await refuses([
          ['DescribeJobGroup', key, 'NotExist.JobGroup', jobGroupId],
          ['ModifyJobGroup', { ...key, Name: 'x' }, 'NotExist.JobGroup'],
          ['DeleteJobGroup', key, 'NotExist.JobGroup'],
        ]);
      }
      await describeGroup(first.InstanceId, group.JobGroupId);
    });
  });

  describe('block list', () => {
    it('saves entries with keys in any case, pages and searches them, and deletes by id', async () => {
      const instance = await createInstance();
      const saved = await rpc().ok('SaveContactBlockList', {
        InstanceId: instance.InstanceId,
        ContactBlockListsJson: JSON.stringify([
          { phoneNumber: '13800000001', name: 'Zhang San', remark: 'asked', creator: 'ops' },
          { PhoneNumber: '13800000002', Name: 'Li Si' },
          { phonenumber: 13800000003 },
        ]),
      });
      expect(envelope.extend({ AffectedRows: z.literal(3) }).parse(saved).AffectedRows).toBe(3);

      const page = blockListBody.parse(
        await rpc().ok('GetContactBlockList', { InstanceId: instance.InstanceId, PageNumber: 1, PageSize: 2 }),
      ).ContactBlocklistList;
      expect(page).toMatchObject({ PageNumber: 1, PageSize: 2, TotalCount: 3 });
      expect(page.List[0]).toMatchObject({
        ContactBlockListId: '13800000001',
        PhoneNumber: '13800000001',
        InstanceId: instance.InstanceId,
        Name: 'Zhang San',
        Remark: 'asked',
        Creator: 'ops',
      });
      expect(page.List.map((entry) => entry.PhoneNumber)).toEqual(['13800000001', '13800000002']);

      const byName = blockListBody.parse(
        await rpc().ok('GetContactBlockList', { InstanceId: instance.InstanceId, SearchPattern: 'li si' }),
      ).ContactBlocklistList;
      expect(byName.List.map((entry) => entry.PhoneNumber)).toEqual(['13800000002']);
      const byNumber = blockListBody.parse(
        await rpc().ok('GetContactBlockList', { InstanceId: instance.InstanceId, SearchPattern: '0003' }),
      ).ContactBlocklistList;
      expect(byNumber.List.map((entry) => entry.PhoneNumber)).toEqual(['13800000003']);

      const removed = await rpc().ok('DeleteContactBlockList', {
        InstanceId: instance.InstanceId,
        ContactBlockListId: '13800000002',
      });
      expect(removed.AffectedRows).toBe(1);
      const again = await rpc().ok('DeleteContactBlockList', {
        InstanceId: instance.InstanceId,
        ContactBlockListId: '13800000002',
      });
      expect(again.AffectedRows).toBe(0);
      await expectError('DeleteContactBlockList', { InstanceId: instance.InstanceId }, 400, 'MissingParameter');
      const left = blockListBody.parse(
        await rpc().ok('GetContactBlockList', { InstanceId: instance.InstanceId }),
      ).ContactBlocklistList;
      expect(left.List.map((entry) => entry.PhoneNumber)).toEqual(['13800000001', '13800000003']);
    });

    it('refuses a bad element by its index and stores none of the call', async () => {
      const instance = await createInstance();
      const save = (json: string) =>
        ['SaveContactBlockList', { InstanceId: instance.InstanceId, ContactBlockListsJson: json }] as const;
      const one = { phoneNumber: '13800000001' };
      await refuses([
        [
          ...save(JSON.stringify([one, { name: 'no number' }])),
          'InvalidParameter',
          'ContactBlockListsJson[1].phoneNumber',
        ],
        [
          ...save(JSON.stringify([one, { phoneNumber: 'call me' }])),
          'InvalidParameter',
          'ContactBlockListsJson[1].phoneNumber',
        ],
        [...save(JSON.stringify([one, 'x'])), 'InvalidParameter', 'ContactBlockListsJson[1]'],
        [...save(JSON.stringify(one)), 'InvalidParameter', 'ContactBlockListsJson'],
        [...save('['), 'InvalidParameter', 'ContactBlockListsJson'],
        [...save('[]'), 'InvalidParameter', 'ContactBlockListsJson'],
        ['SaveContactBlockList', { InstanceId: instance.InstanceId }, 'MissingParameter', 'ContactBlockListsJson'],
      ]);
      const list = blockListBody.parse(await rpc().ok('GetContactBlockList', { InstanceId: instance.InstanceId }));
      expect(list.ContactBlocklistList.TotalCount).toBe(0);
    });
  });

  describe('instance settings', () => {
    it('keeps the daily cap per number (default 3) and refuses other strategy levels', async () => {
      const instance = await createInstance();
      const get = async () =>
        envelope
          .extend({ MaxAttemptsPerDay: z.number().int() })
          .parse(await rpc().ok('GetMaxAttemptsPerDay', { EntryId: instance.InstanceId, StrategyLevel: 2 }))
          .MaxAttemptsPerDay;
      expect(await get()).toBe(3);
      envelope.parse(
        await rpc().ok('SaveMaxAttemptsPerDay', {
          EntryId: instance.InstanceId,
          StrategyLevel: 2,
          MaxAttemptsPerDay: 5,
        }),
      );
      expect(await get()).toBe(5);
      await refuses([
        [
          'SaveMaxAttemptsPerDay',
          { EntryId: instance.InstanceId, StrategyLevel: 1, MaxAttemptsPerDay: 2 },
          'InvalidParameter',
          'StrategyLevel',
        ],
        [
          'SaveMaxAttemptsPerDay',
          { EntryId: instance.InstanceId, MaxAttemptsPerDay: 0 },
          'InvalidParameter',
          'MaxAttemptsPerDay',
        ],
        ['GetMaxAttemptsPerDay', { StrategyLevel: 2 }, 'MissingParameter', 'EntryId'],
      ]);
      expect(await get()).toBe(5);
      // Saved without a value: back to the default.
      await rpc().ok('SaveMaxAttemptsPerDay', { EntryId: instance.InstanceId, StrategyLevel: 2 });
      expect(await get()).toBe(3);
    });

    it('keeps the instance calling windows and weekday flags', async () => {
      const instance = await createInstance();
      const periodBody = envelope.extend({
        WorkingTime: z.array(
          z.object({
            BeginTime: z.string(),
            EndTime: z.string(),
            BeginTimeMillis: z.number().int(),
            EndTimeMillis: z.number().int(),
          }),
        ),
        OnlyWeekdays: z.boolean(),
        OnlyWorkdays: z.boolean(),
      });
      const get = async () =>
        periodBody.parse(await rpc().ok('GetBaseStrategyPeriod', { EntryId: instance.InstanceId, StrategyLevel: 2 }));
      expect(await get()).toMatchObject({ WorkingTime: [], OnlyWeekdays: false, OnlyWorkdays: false });

      envelope.parse(
        await rpc().ok('SaveBaseStrategyPeriod', {
          EntryId: instance.InstanceId,
          StrategyLevel: 2,
          WorkingTimeFramesJson: JSON.stringify([
            { beginTime: '09:00:00', endTime: '12:00:00' },
            { beginTime: '13:30', endTime: '18:00:00' },
          ]),
          OnlyWeekdays: true,
        }),
      );
      const saved = await get();
      expect(saved).toMatchObject({
        WorkingTime: [
          { BeginTime: '09:00:00', EndTime: '12:00:00', BeginTimeMillis: 32_400_000, EndTimeMillis: 43_200_000 },
          { BeginTime: '13:30:00', EndTime: '18:00:00', BeginTimeMillis: 48_600_000, EndTimeMillis: 64_800_000 },
        ],
        OnlyWeekdays: true,
        OnlyWorkdays: false,
      });

      const frames = (json: unknown) => ({
        EntryId: instance.InstanceId,
        StrategyLevel: 2,
        WorkingTimeFramesJson: JSON.stringify(json),
      });
      await refuses([
        [
          'SaveBaseStrategyPeriod',
          frames([{ beginTime: '18:00:00', endTime: '09:00:00' }]),
          'InvalidParameter',
          'WorkingTimeFramesJson.0',
        ],
        [
          'SaveBaseStrategyPeriod',
          frames([{ beginTime: '25:00', endTime: '26:00' }]),
          'InvalidParameter',
          'WorkingTimeFramesJson.0.beginTime',
        ],
        ['SaveBaseStrategyPeriod', frames({ beginTime: '09:00' }), 'InvalidParameter', 'WorkingTimeFramesJson'],
        [
          'SaveBaseStrategyPeriod',
          { EntryId: instance.InstanceId, OnlyWeekdays: 'sometimes' },
          'InvalidParameter',
          'OnlyWeekdays',
        ],
        [
          'GetBaseStrategyPeriod',
          { EntryId: instance.InstanceId, StrategyLevel: 0 },
          'InvalidParameter',
          'StrategyLevel',
        ],
      ]);
      expect((await get()).WorkingTime).toEqual(saved.WorkingTime);
    });
  });

  describe('XML', () => {
    it('answers Format=XML with text/xml;charset=utf-8, for results and errors', async () => {
      const instance = await createInstance({ CallingNumber: ['02150001', '02150002'] });
      const response = await rpc().call('DescribeInstance', { InstanceId: instance.InstanceId, Format: 'XML' });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/xml;charset=utf-8');
      expect(response.text).toMatch(/^<\?xml[^>]*\?><DescribeInstanceResponse>/);
      expect(response.text).toContain(`<InstanceId>${instance.InstanceId}</InstanceId>`);
      expect(response.text).toContain(
        '<CallingNumbers>02150001</CallingNumbers><CallingNumbers>02150002</CallingNumbers>',
      );

      const group = await createGroup(instance.InstanceId, { StrategyJson: DOC_STRATEGY });
      const groupXml = await rpc().call('DescribeJobGroup', {
        InstanceId: instance.InstanceId,
        JobGroupId: group.JobGroupId,
        Format: 'xml',
      });
      expect(groupXml.headers['content-type']).toBe('text/xml;charset=utf-8');
      expect(groupXml.text).toContain('<RepeatDays>1</RepeatDays><RepeatDays>2</RepeatDays>');
      expect(groupXml.text).toContain('<TotalJobs>0</TotalJobs>');

      const missing = await rpc().call('DescribeInstance', { InstanceId: 'nope', Format: 'XML' });
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toBe('text/xml;charset=utf-8');
      expect(missing.text).toContain('<Code>NotExist.Instance</Code>');
    });
  });
});
