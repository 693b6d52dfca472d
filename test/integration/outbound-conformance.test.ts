/**
 * The conformance bar of the outbound API: the official Python client alibabacloud-outboundbot20191226 2.2.1,
 * unmodified, over plain HTTP and signing with an Alibaba access key of the tenant, drives all 26 OutboundBot actions
 * of ccflow through their typed client methods and request models, workers running
 * (test/fixtures/python/outboundbot_conformance.py runs the steps). Every answer must map into the SDK's response
 * model (the SDK silently gives `body=None` when it does not fit, official-clients.md) with the types the model
 * declares; errors must surface as the SDK's exceptions with their codes.
 *
 * Two Python runs: the first creates an instance, groups, jobs (one dialled at once, others scheduled a day ahead),
 * and drives the block list, job controls and error cases (V3 signature, the SDK default); between the runs this
 * test acts as the dialer through the Job Router API and ends the call `SucceededFinish`; the second run reads the
 * finished job, repeats a few actions with the V1 signature (`signature_algorithm='v2'`), sets the instance
 * settings and deletes everything.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { testDialer } from '../support/outbound';
import { runPythonFixture } from '../support/python-clients';
import { useTestStack } from '../support/stack';

/** The 26 actions of the outbound API, by the client method that calls each. */
const METHODS = [
  'create_instance',
  'describe_instance',
  'list_instances',
  'modify_instance',
  'delete_instance',
  'create_job_group',
  'describe_job_group',
  'list_job_groups',
  'modify_job_group',
  'delete_job_group',
  'assign_jobs',
  'assign_jobs_async',
  'get_assign_jobs_async_result',
  'list_jobs',
  'describe_job',
  'list_jobs_by_group',
  'cancel_jobs',
  'suspend_jobs',
  'resume_jobs',
  'save_contact_block_list',
  'get_contact_block_list',
  'delete_contact_block_list',
  'save_max_attempts_per_day',
  'get_max_attempts_per_day',
  'save_base_strategy_period',
  'get_base_strategy_period',
] as const;

/** api/main.ts's header limit: an AssignJobs with many jobs is a long query string. */
const MAX_HEADER_BYTES = 64 * 1024;

type Path = (string | number)[];
interface Step {
  name: string;
  method: (typeof METHODS)[number];
  request?: Record<string, unknown>;
  signature?: 'v2' | 'v3';
  until?: { path: Path; equals?: unknown; in?: unknown[]; timeout?: number };
}

const stepResult = z.object({
  name: z.string(),
  method: z.string(),
  signature: z.enum(['v2', 'v3']),
  ok: z.boolean(),
  status: z.number().nullish(),
  body: z.record(z.string(), z.unknown()).nullish(),
  typeProblems: z.array(z.string()).optional(),
  polls: z.number().optional(),
  error: z.string().optional(),
  code: z.string().nullish(),
  message: z.string().optional(),
  requestId: z.string().nullish(),
});
type StepResult = z.infer<typeof stepResult>;

/** A value of an earlier step's body in the same run: `ref('create instance', 'Instance', 'InstanceId')`. */
const ref = (step: string, ...path: Path) => ({ $ref: [step, ...path] });

/** One line per step: what it did and, when it failed, how. */
function describeStep(s: StepResult): string {
  const head = `${s.name} [${s.method}, ${s.signature}]`;
  if (s.ok) {
    if (s.body === null || s.body === undefined) return `${head}: answered ${s.status}, but the SDK mapped no body`;
    return `${head}: ${s.typeProblems?.length ? `types: ${s.typeProblems.join('; ')}` : 'ok'}`;
  }
  const how = [s.error, s.status, s.code].filter((part) => part !== undefined && part !== null).join(' ');
  const last = s.body ? ` (last seen: ${JSON.stringify(s.body).slice(0, 400)})` : '';
  return `${head}: ${how}${s.message ? `: ${s.message}` : ''}${last}`;
}

const jobJson = (phoneNumber: string, referenceId: string, extras: object[] = []) =>
  JSON.stringify({ contacts: [{ phoneNumber, referenceId, name: 'Zhang San', honorific: 'Mr Zhang' }], extras });

/** Steps expected to fail, with the SDK exception's HTTP status and code. */
const EXPECTED_ERRORS: Record<string, { status: number; code: string }> = {
  'describe unknown instance': { status: 404, code: 'NotExist.Instance' },
  'describe deleted group': { status: 404, code: 'NotExist.JobGroup' },
  'list jobs of unknown group': { status: 404, code: 'NotExist.JobGroup' },
  'list 100 jobs': { status: 400, code: 'InvalidParameter' },
  'describe unknown job': { status: 404, code: 'NotExist.Job' },
  'describe unknown job v1': { status: 404, code: 'NotExist.Job' },
  'describe deleted instance': { status: 404, code: 'NotExist.Instance' },
  'describe deleted instance v1': { status: 404, code: 'NotExist.Instance' },
};

describe('the official client alibabacloud-outboundbot20191226 2.2.1 drives all 26 outbound actions', () => {
  const { stack, tenant } = useTestStack();
  const run = Date.now().toString(36);
  const instanceName = `SDK conformance ${run}`;
  const dayAhead = Date.now() + 86_400_000;
  const laterStrategy = {
    name: 'Weekdays',
    repeatBy: 'Week',
    repeatDays: ['1', '2', '3', '4', '5'],
    startTime: dayAhead,
    maxAttemptsPerDay: '2',
    minAttemptInterval: '10',
    routingStrategy: 'LocalFirst',
    workingTime: [{ beginTime: '09:00:00', endTime: '18:00:00' }],
  };
  let server: Server | undefined;
  const results: StepResult[] = [];
  let dialerError: unknown;
  let dialTaskId = '';
  const outbound = {
    instanceId: '',
    dialGroupId: '',
    laterGroupId: '',
    dialJobId: '',
    laterJobIds: [] as string[],
  };

  const runSteps = async (env: Record<string, string>, steps: readonly Step[]): Promise<StepResult[]> => {
    const printed = await runPythonFixture<unknown>('outboundbot_conformance.py', [JSON.stringify(steps)], env);
    const parsed = z.array(stepResult).parse(printed);
    results.push(...parsed);
    return parsed;
  };

  /** Phase 1 (V3): instance, block list, groups, jobs, controls, errors. */
  const firstRun = (): Step[] => {
    const instanceId = ref('create instance', 'Instance', 'InstanceId');
    const dialGroupId = ref('create dial group', 'JobGroup', 'JobGroupId');
    const laterGroupId = ref('create later group', 'JobGroup', 'JobGroupId');
    const spareGroupId = ref('create spare group', 'JobGroup', 'JobGroupId');
    const dialJobId = ref('assign dial job', 'JobsId', 0);
    const laterJob = (index: number) => ref('assign later jobs', 'JobsId', index);
    return [
      {
        name: 'create instance',
        method: 'create_instance',
        request: {
          instance_name: instanceName,
          instance_description: 'Driven by the official SDK',
          max_concurrent_conversation: 5,
          calling_number: ['02110000001', '05710000002'],
        },
      },
      { name: 'describe instance', method: 'describe_instance', request: { instance_id: instanceId } },
      {
        name: 'list instances',
        method: 'list_instances',
        request: { name: instanceName.toLowerCase(), page_number: 1, page_size: 10 },
      },
      {
        name: 'modify instance',
        method: 'modify_instance',
        request: {
          instance_id: instanceId,
          instance_name: `${instanceName} renamed`,
          instance_description: 'Modified by the official SDK',
          max_concurrent_conversation: 6,
        },
      },
      { name: 'describe unknown instance', method: 'describe_instance', request: { instance_id: `missing-${run}` } },

      {
        name: 'save block list',
        method: 'save_contact_block_list',
        request: {
          instance_id: instanceId,
          contact_block_lists_json: JSON.stringify([
            { phoneNumber: '13900000001', name: 'Wang Wu', remark: 'asked not to be called', creator: 'ops' },
            { phoneNumber: '13900000002', name: 'Li Si' },
          ]),
        },
      },
      {
        name: 'get block list',
        method: 'get_contact_block_list',
        request: { instance_id: instanceId, page_number: 1, page_size: 10, count_total_row: true },
      },
      {
        name: 'search block list',
        method: 'get_contact_block_list',
        request: { instance_id: instanceId, search_pattern: 'li si' },
      },
      {
        name: 'delete block list entry',
        method: 'delete_contact_block_list',
        request: { instance_id: instanceId, contact_block_list_id: '13900000002', operator: 'ops' },
      },
      { name: 'get block list after delete', method: 'get_contact_block_list', request: { instance_id: instanceId } },

      {
        name: 'create dial group',
        method: 'create_job_group',
        request: {
          instance_id: instanceId,
          job_group_name: 'Dial now',
          job_group_description: 'Dials as soon as a job is assigned',
          strategy_json: '{}',
          recall_strategy_json: JSON.stringify({ emptyNumberIgnore: true }),
          ringing_duration: 30,
          priority: 'Urgent',
          min_concurrency: 1,
        },
      },
      {
        name: 'create later group',
        method: 'create_job_group',
        request: {
          instance_id: instanceId,
          job_group_name: 'Tomorrow',
          strategy_json: JSON.stringify(laterStrategy),
          calling_number: ['05710000002'],
          recall_calling_number: ['02110000001'],
        },
      },
      {
        name: 'create spare group',
        method: 'create_job_group',
        request: { instance_id: instanceId, job_group_name: 'Spare', script_id: 'script-1' },
      },
      {
        name: 'describe dial group',
        method: 'describe_job_group',
        request: { instance_id: instanceId, job_group_id: dialGroupId },
      },
      {
        name: 'list job groups',
        method: 'list_job_groups',
        request: { instance_id: instanceId, page_number: 1, page_size: 10 },
      },
      {
        name: 'modify spare group',
        method: 'modify_job_group',
        request: {
          instance_id: instanceId,
          job_group_id: spareGroupId,
          name: 'Spare renamed',
          description: 'Modified by the official SDK',
          job_group_status: 'Paused',
          strategy_json: JSON.stringify({
            repeatBy: 'Day',
            maxAttemptsPerDay: 2,
            workingTime: [{ beginTime: '09:00', endTime: '18:00' }],
          }),
          priority: 'Daily',
          calling_number: ['02110000001'],
          flash_sms_extras: JSON.stringify({ templateId: 't1', configId: '7' }),
        },
      },
      {
        name: 'describe spare group',
        method: 'describe_job_group',
        request: { instance_id: instanceId, job_group_id: spareGroupId },
      },
      {
        name: 'delete spare group',
        method: 'delete_job_group',
        request: { instance_id: instanceId, job_group_id: spareGroupId },
      },
      {
        name: 'describe deleted group',
        method: 'describe_job_group',
        request: { instance_id: instanceId, job_group_id: spareGroupId },
      },

      {
        name: 'assign dial job',
        method: 'assign_jobs',
        request: {
          instance_id: instanceId,
          job_group_id: dialGroupId,
          jobs_json: [jobJson('13800000001', 'C-1', [{ key: 'orderId', value: 'A-17' }])],
          calling_number: ['02110000001'],
        },
      },
      {
        name: 'assign later jobs',
        method: 'assign_jobs',
        request: {
          instance_id: instanceId,
          job_group_id: laterGroupId,
          jobs_json: [jobJson('13800000011', 'S-1'), jobJson('13800000012', 'S-2'), jobJson('13800000013', 'S-3')],
        },
      },
      {
        name: 'assign async',
        method: 'assign_jobs_async',
        request: {
          instance_id: instanceId,
          job_group_id: laterGroupId,
          jobs_json: [jobJson('13800000021', 'A-1'), jobJson('13800000022', 'A-2')],
          calling_number: ['05710000002'],
          strategy_json: JSON.stringify({ startTime: dayAhead }),
        },
      },
      {
        name: 'async result',
        method: 'get_assign_jobs_async_result',
        request: { async_task_id: ref('assign async', 'AsyncTaskId') },
        until: { path: ['Valid'], equals: true },
      },
      {
        name: 'describe dial job',
        method: 'describe_job',
        request: { instance_id: instanceId, job_id: dialJobId },
        until: { path: ['Job', 'Status'], equals: 'Executing' },
      },
      {
        name: 'describe later job',
        method: 'describe_job',
        request: { instance_id: instanceId, job_id: laterJob(0), with_script: true },
        until: { path: ['Job', 'Status'], equals: 'Scheduling' },
      },
      {
        name: 'list jobs',
        method: 'list_jobs',
        request: {
          instance_id: instanceId,
          job_id: [laterJob(1), 'unknown-job', dialJobId, ref('async result', 'JobsId', 0)],
        },
      },
      {
        name: 'list later group jobs',
        method: 'list_jobs_by_group',
        request: { instance_id: instanceId, job_group_id: laterGroupId, page_number: 1, page_size: 10 },
        until: { path: ['Jobs', 'TotalCount'], equals: 5 },
      },

      {
        name: 'suspend a job',
        method: 'suspend_jobs',
        request: { instance_id: instanceId, all: false, job_id: [laterJob(0)] },
      },
      {
        name: 'wait paused',
        method: 'describe_job',
        request: { instance_id: instanceId, job_id: laterJob(0) },
        until: { path: ['Job', 'Status'], equals: 'Paused' },
      },
      {
        name: 'list paused jobs',
        method: 'list_jobs_by_group',
        request: {
          instance_id: instanceId,
          job_group_id: laterGroupId,
          page_number: 1,
          page_size: 10,
          job_status: 'Paused',
        },
      },
      {
        name: 'resume by reference',
        method: 'resume_jobs',
        request: { instance_id: instanceId, all: false, job_reference_id: ['S-1'] },
      },
      {
        name: 'wait resumed',
        method: 'describe_job',
        request: { instance_id: instanceId, job_id: laterJob(0) },
        until: { path: ['Job', 'Status'], equals: 'Scheduling' },
      },
      {
        name: 'cancel a job',
        method: 'cancel_jobs',
        request: { instance_id: instanceId, all: false, job_group_id: laterGroupId, job_id: [laterJob(1)] },
      },
      {
        name: 'wait cancelled',
        method: 'describe_job',
        request: { instance_id: instanceId, job_id: laterJob(1) },
        until: { path: ['Job', 'Status'], equals: 'Cancelled' },
      },

      // The largest ListJobs: 99 ids (a known one among 98 unknown ones); 100 are refused.
      {
        name: 'list 99 jobs',
        method: 'list_jobs',
        request: {
          instance_id: instanceId,
          job_id: [
            ...Array.from({ length: 98 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`),
            laterJob(2),
          ],
        },
      },
      {
        name: 'list 100 jobs',
        method: 'list_jobs',
        request: { instance_id: instanceId, job_id: Array.from({ length: 100 }, (_, index) => `job-${index}`) },
      },
      {
        name: 'describe unknown job',
        method: 'describe_job',
        request: { instance_id: instanceId, job_id: 'no-such-job' },
      },
      {
        name: 'list jobs of unknown group',
        method: 'list_jobs_by_group',
        request: { instance_id: instanceId, job_group_id: 'no-such-group', page_number: 1, page_size: 10 },
      },
    ];
  };

  /** Phase 2: the dialled job's outcome, the V1 signature, the instance settings, and deleting everything. */
  const secondRun = (): Step[] => {
    const { instanceId, dialGroupId, laterGroupId, dialJobId, laterJobIds } = outbound;
    return [
      {
        name: 'wait succeeded',
        method: 'describe_job',
        request: { instance_id: instanceId, job_id: dialJobId },
        until: { path: ['Job', 'Status'], equals: 'Succeeded' },
      },
      { name: 'list succeeded job', method: 'list_jobs', request: { instance_id: instanceId, job_id: [dialJobId] } },
      {
        name: 'list succeeded by group',
        method: 'list_jobs_by_group',
        request: {
          instance_id: instanceId,
          job_group_id: dialGroupId,
          page_number: 1,
          page_size: 10,
          job_status: 'Succeeded',
        },
      },
      {
        name: 'describe completed group',
        method: 'describe_job_group',
        request: { instance_id: instanceId, job_group_id: dialGroupId },
      },
      {
        name: 'list completed groups',
        method: 'list_job_groups',
        request: { instance_id: instanceId, page_number: 1, page_size: 10, job_group_status_filter: 'Completed' },
      },

      {
        name: 'list jobs v1',
        method: 'list_jobs',
        signature: 'v2',
        request: { instance_id: instanceId, job_id: [dialJobId, laterJobIds[0] ?? ''] },
      },
      {
        name: 'describe job v1',
        method: 'describe_job',
        signature: 'v2',
        request: { instance_id: instanceId, job_id: dialJobId },
      },
      {
        name: 'create group v1',
        method: 'create_job_group',
        signature: 'v2',
        request: {
          instance_id: instanceId,
          job_group_name: 'Signed with V1 · 签名',
          job_group_description: "a+b=c & 50% (x)!'~*",
          strategy_json: JSON.stringify({ repeatBy: 'Once', startTime: dayAhead }),
        },
      },
      {
        name: 'describe unknown job v1',
        method: 'describe_job',
        signature: 'v2',
        request: { instance_id: instanceId, job_id: 'no-such-job' },
      },

      {
        name: 'save max attempts',
        method: 'save_max_attempts_per_day',
        request: { entry_id: instanceId, strategy_level: 2, max_attempts_per_day: 5 },
      },
      {
        name: 'get max attempts',
        method: 'get_max_attempts_per_day',
        request: { entry_id: instanceId, strategy_level: 2 },
      },
      {
        name: 'save base strategy period',
        method: 'save_base_strategy_period',
        request: {
          entry_id: instanceId,
          strategy_level: 2,
          working_time_frames_json: JSON.stringify([
            { beginTime: '09:00:00', endTime: '12:00:00' },
            { beginTime: '13:30', endTime: '18:00:00' },
          ]),
          only_weekdays: true,
          only_workdays: false,
        },
      },
      {
        name: 'get base strategy period',
        method: 'get_base_strategy_period',
        request: { entry_id: instanceId, strategy_level: 2 },
      },

      {
        name: 'cancel all later jobs',
        method: 'cancel_jobs',
        request: { instance_id: instanceId, all: true, job_group_id: laterGroupId },
      },
      {
        name: 'wait all cancelled',
        method: 'list_jobs_by_group',
        request: {
          instance_id: instanceId,
          job_group_id: laterGroupId,
          page_number: 1,
          page_size: 10,
          job_status: 'Cancelled',
        },
        until: { path: ['Jobs', 'TotalCount'], equals: 5 },
      },
      {
        name: 'delete group v1',
        method: 'delete_job_group',
        signature: 'v2',
        request: { instance_id: instanceId, job_group_id: ref('create group v1', 'JobGroup', 'JobGroupId') },
      },
      {
        name: 'delete dial group',
        method: 'delete_job_group',
        request: { instance_id: instanceId, job_group_id: dialGroupId },
      },
      {
        name: 'delete later group',
        method: 'delete_job_group',
        request: { instance_id: instanceId, job_group_id: laterGroupId },
      },
      { name: 'delete instance', method: 'delete_instance', request: { instance_id: instanceId } },
      { name: 'describe deleted instance', method: 'describe_instance', request: { instance_id: instanceId } },
      {
        name: 'describe deleted instance v1',
        method: 'describe_instance',
        signature: 'v2',
        request: { instance_id: instanceId },
      },
    ];
  };

  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, stack.app).listen(0, '127.0.0.1', () =>
        resolve(listening),
      );
    });
    const { port } = server.address() as AddressInfo;
    const created = await stack.http.post('/v1/tenants/me/access-keys').set(tenant.auth).send({ kind: 'alibaba' });
    expect(created.status).toBe(201);
    const key = z.object({ accessKeyId: z.string(), accessKeySecret: z.string() }).parse(created.body);
    const env = {
      CCFLOW_ENDPOINT: `127.0.0.1:${port}`,
      CCFLOW_ACCESS_KEY_ID: key.accessKeyId,
      CCFLOW_ACCESS_KEY_SECRET: key.accessKeySecret,
    };

    const first = await runSteps(env, firstRun());
    try {
      const body = (name: string) => first.find((s) => s.name === name)?.body;
      const ids = z.object({ JobsId: z.array(z.string()) });
      const groupId = (name: string) =>
        z.object({ JobGroup: z.object({ JobGroupId: z.string() }) }).parse(body(name)).JobGroup.JobGroupId;
      outbound.instanceId = z
        .object({ Instance: z.object({ InstanceId: z.string() }) })
        .parse(body('create instance')).Instance.InstanceId;
      outbound.dialGroupId = groupId('create dial group');
      outbound.laterGroupId = groupId('create later group');
      outbound.dialJobId = ids.parse(body('assign dial job')).JobsId[0] ?? '';
      outbound.laterJobIds = ids.parse(body('assign later jobs')).JobsId;
    } catch (error) {
      const failed = first.filter((s) => !s.ok || !s.body).map(describeStep);
      throw new Error(`the first run created too little to go on (${String(error)}):\n${failed.join('\n')}`);
    }

    // The dialer: takes the dial group's attempt through the Job Router API, reports the call and hangs up. A failure
    // is kept for its own test: the second run still deletes what the first created.
    try {
      const dialer = testDialer(stack, tenant, outbound.instanceId, `sdk-dialer-${run}`);
      await dialer.register();
      const { taskId, assignmentId } = await dialer.take();
      dialTaskId = taskId;
      const reported = await dialer.reportOutcome(taskId, {
        duration: 42,
        callId: 'call-1',
        hangUpDirection: 'client',
        conversation: [
          { speaker: 'Robot', script: '您好，这里是客服中心。', timestamp: 1_700_000_000_000 },
          { speaker: 'Contact', script: '你好。', timestamp: 1_700_000_001_000 },
        ],
        summary: [{ summaryName: 'intent', content: 'renew' }],
      });
      if (reported.status !== 200) throw new Error(`outcome: ${reported.status} ${JSON.stringify(reported.body)}`);
      await dialer.hangUp(taskId, assignmentId, 'SucceededFinish');
    } catch (error) {
      dialerError = error;
    }

    await runSteps(env, secondRun());
  }, 120_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  /** The result of the step named `name`, which must be unique. */
  const stepNamed = (name: string): StepResult => {
    const found = results.filter((s) => s.name === name);
    if (found.length !== 1 || !found[0]) throw new Error(`step "${name}" ran ${found.length} times`);
    return found[0];
  };
  /** The mapped body of a step that must have succeeded; throws, saying how the step failed, when it did not. */
  const bodyOf = (name: string): Record<string, unknown> => {
    const s = stepNamed(name);
    if (!s.ok || !s.body || s.typeProblems?.length) throw new Error(`step failed: ${describeStep(s)}`);
    return s.body;
  };
  const parsed = <T>(name: string, schema: z.ZodType<T>): T => {
    const body = bodyOf(name);
    const outcome = schema.safeParse(body);
    if (!outcome.success) {
      throw new Error(`step "${name}" returned ${JSON.stringify(body)}: ${z.prettifyError(outcome.error)}`);
    }
    return outcome.data;
  };
  const envelope = {
    RequestId: expect.any(String),
    Success: true,
    Code: 'OK',
    Message: expect.any(String),
    HttpStatusCode: 200,
  };

  it('calls each of the 26 actions through its typed method, with both signatures', () => {
    expect(METHODS).toHaveLength(26);
    const called = new Set(results.map((s) => s.method));
    expect(METHODS.filter((method) => !called.has(method))).toEqual([]);
    expect(new Set(results.map((s) => s.signature))).toEqual(new Set(['v3', 'v2']));
  });

  it('maps every answer into its SDK model with the declared types (the list shows each failing step)', () => {
    const failing = results
      .filter((s) => !(s.name in EXPECTED_ERRORS))
      .filter((s) => !s.ok || s.status !== 200 || !s.body || (s.typeProblems?.length ?? 0) > 0)
      .map(describeStep);
    expect(failing).toEqual([]);
    for (const s of results.filter((r) => r.ok)) {
      expect({ step: s.name, ...s.body }).toMatchObject({ step: s.name, ...envelope });
    }
  });

  it('surfaces the error codes as the SDK exceptions, with both signatures', () => {
    const seen = Object.keys(EXPECTED_ERRORS).map((name) => {
      const s = stepNamed(name);
      return { name, ok: s.ok, error: s.error, status: s.status, code: s.code };
    });
    expect(seen).toEqual(
      Object.entries(EXPECTED_ERRORS).map(([name, { status, code }]) => ({
        name,
        ok: false,
        error: 'ClientException',
        status,
        code,
      })),
    );
    expect(stepNamed('describe unknown instance').message).toContain('The specified Instance does not exist');
    expect(stepNamed('list 100 jobs').message).toContain('JobId');
    expect(stepNamed('describe unknown job v1').requestId).toEqual(expect.any(String));
  });

  it('creates, describes, lists and modifies an instance', () => {
    const instance = {
      InstanceId: outbound.instanceId,
      InstanceName: instanceName,
      InstanceDescription: 'Driven by the official SDK',
      MaxConcurrentConversation: 5,
      CreationTime: expect.any(Number),
    };
    expect(bodyOf('create instance')).toMatchObject({ Instance: instance });
    expect(outbound.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodyOf('describe instance')).toMatchObject({ Instance: instance });
    expect(bodyOf('list instances')).toMatchObject({
      PageNumber: 1,
      PageSize: 10,
      TotalCount: 1,
      Instances: [{ ...instance, IsPreset: false, ResourceTags: [] }],
    });
    expect(bodyOf('modify instance')).toMatchObject({
      Instance: {
        ...instance,
        InstanceName: `${instanceName} renamed`,
        InstanceDescription: 'Modified by the official SDK',
        MaxConcurrentConversation: 6,
      },
    });
  });

  it('saves, pages, searches and deletes block-list entries', () => {
    expect(bodyOf('save block list')).toMatchObject({ AffectedRows: 2 });
    const entry = {
      ContactBlockListId: '13900000001',
      InstanceId: outbound.instanceId,
      PhoneNumber: '13900000001',
      Name: 'Wang Wu',
      Remark: 'asked not to be called',
      Creator: 'ops',
      CreationTime: expect.any(Number),
    };
    expect(bodyOf('get block list')).toMatchObject({
      ContactBlocklistList: {
        PageNumber: 1,
        PageSize: 10,
        TotalCount: 2,
        List: [entry, { PhoneNumber: '13900000002', Name: 'Li Si' }],
      },
    });
    const found = parsed(
      'search block list',
      z.object({ ContactBlocklistList: z.object({ List: z.array(z.object({ PhoneNumber: z.string() })) }) }),
    );
    expect(found.ContactBlocklistList.List.map((e) => e.PhoneNumber)).toEqual(['13900000002']);
    expect(bodyOf('delete block list entry')).toMatchObject({ AffectedRows: 1 });
    expect(bodyOf('get block list after delete')).toMatchObject({
      ContactBlocklistList: { TotalCount: 1, List: [entry] },
    });
  });

  it('creates, describes, lists, modifies and deletes job groups', () => {
    const dial = {
      JobGroupId: outbound.dialGroupId,
      JobGroupName: 'Dial now',
      JobGroupDescription: 'Dials as soon as a job is assigned',
      Status: 'Scheduling',
      CreationTime: expect.any(Number),
      ModifyTime: expect.stringMatching(/^\d+$/),
      RecallStrategy: { EmptyNumberIgnore: true, InArrearsIgnore: false, OutOfServiceIgnore: false },
      RingingDuration: 30,
      Priority: 'Urgent',
      MinConcurrency: 1,
      Strategy: {
        StrategyId: expect.any(String),
        RepeatBy: 'Once',
        RepeatDays: [],
        WorkingTime: [],
        IsTemplate: false,
      },
    };
    expect(bodyOf('create dial group')).toMatchObject({ JobGroup: dial });
    expect(bodyOf('create later group')).toMatchObject({
      JobGroup: {
        JobGroupName: 'Tomorrow',
        CallingNumbers: ['05710000002'],
        RecallCallingNumbers: ['02110000001'],
        Priority: 'Daily',
        Strategy: {
          StrategyName: 'Weekdays',
          StartTime: dayAhead,
          RepeatBy: 'Week',
          RepeatDays: ['1', '2', '3', '4', '5'],
          MaxAttemptsPerDay: 2,
          MinAttemptInterval: 10,
          RoutingStrategy: 'LocalFirst',
          WorkingTime: [{ BeginTime: '09:00:00', EndTime: '18:00:00' }],
        },
      },
    });
    expect(bodyOf('describe dial group')).toMatchObject({
      JobGroup: {
        ...dial,
        Progress: { TotalJobs: 0, TotalCompleted: 0, Scheduling: 0, Executing: 0, Paused: 0, Failed: 0, Cancelled: 0 },
        Strategy: { ...dial.Strategy, Repeatable: false },
      },
    });
    const listed = parsed(
      'list job groups',
      z.object({
        JobGroups: z.object({
          PageNumber: z.literal(1),
          PageSize: z.literal(10),
          TotalCount: z.number(),
          List: z.array(z.object({ JobGroupId: z.string(), JobGroupName: z.string() }).loose()),
        }),
      }),
    );
    expect(listed.JobGroups.List.map((group) => group.JobGroupName).sort()).toEqual(['Dial now', 'Spare', 'Tomorrow']);
    expect(listed.JobGroups.TotalCount).toBe(3);
    expect(listed.JobGroups.List.find((group) => group.JobGroupId === outbound.dialGroupId)).toMatchObject({
      Progress: { TotalJobs: 0, ExecutingNum: 0, PausedNum: 0, FailedNum: 0, CancelledNum: 0 },
    });

    expect(bodyOf('modify spare group')).toMatchObject({
      JobGroup: {
        JobGroupName: 'Spare renamed',
        JobGroupDescription: 'Modified by the official SDK',
        Status: 'Paused',
        CallingNumbers: ['02110000001'],
        FlashSmsExtras: JSON.stringify({ templateId: 't1', configId: '7' }),
        Strategy: {
          RepeatBy: 'Day',
          MaxAttemptsPerDay: 2,
          WorkingTime: [{ BeginTime: '09:00:00', EndTime: '18:00:00' }],
        },
      },
    });
    expect(bodyOf('describe spare group')).toMatchObject({
      JobGroup: {
        JobGroupName: 'Spare renamed',
        Status: 'Paused',
        ScriptId: 'script-1',
        FlashSmsExtras: { TemplateId: 't1', ConfigId: '7' },
      },
    });
    expect(bodyOf('delete spare group')).toMatchObject(envelope);
    expect(stepNamed('describe deleted group').message).toContain('The specified JobGroup does not exist');
  });

  it('assigns jobs synchronously and asynchronously and reads them', () => {
    expect(bodyOf('assign dial job')).toMatchObject({ JobGroupId: outbound.dialGroupId, JobsId: [outbound.dialJobId] });
    expect(outbound.laterJobIds).toHaveLength(3);
    expect(bodyOf('assign later jobs')).toMatchObject({ JobGroupId: outbound.laterGroupId });
    const asyncTaskId = parsed('assign async', z.object({ AsyncTaskId: z.string().min(1) })).AsyncTaskId;
    const result = parsed(
      'async result',
      z.object({ JobGroupId: z.string(), JobsId: z.array(z.string()), Valid: z.literal(true), Timeout: z.boolean() }),
    );
    expect(asyncTaskId).not.toBe('');
    expect(result).toMatchObject({ JobGroupId: outbound.laterGroupId, Timeout: false });
    expect(result.JobsId).toHaveLength(2);

    // The dial group's job is in a call attempt that waits for a dialer.
    expect(bodyOf('describe dial job')).toMatchObject({
      Job: {
        JobId: outbound.dialJobId,
        JobGroupId: outbound.dialGroupId,
        InstanceId: outbound.instanceId,
        Status: 'Executing',
        ReferenceId: 'C-1',
        Tasks: [{ TaskId: `${outbound.dialJobId}.1`, Status: 'Executing', CalledNumber: '13800000001' }],
      },
    });
    const later = parsed(
      'describe later job',
      z.object({ Job: z.object({ Status: z.literal('Scheduling'), NextExecutionTime: z.number() }).loose() }),
    );
    expect(later.Job).toMatchObject({ JobId: outbound.laterJobIds[0], ReferenceId: 'S-1', Tasks: [] });

    // ListJobs answers in the order asked, without unknown ids; the asynchronously created job is there too.
    const listed = parsed(
      'list jobs',
      z.object({ Jobs: z.array(z.object({ JobId: z.string(), Status: z.string() }).loose()) }),
    );
    expect(listed.Jobs.map((job) => job.JobId)).toEqual([
      outbound.laterJobIds[1],
      outbound.dialJobId,
      result.JobsId[0],
    ]);
    expect(listed.Jobs[0]).toMatchObject({
      JobGroupId: outbound.laterGroupId,
      Status: 'Scheduling',
      ReferenceId: 'S-2',
      Priority: expect.any(Number),
      SystemPriority: expect.any(Number),
      Contacts: [{ PhoneNumber: '13800000012', ReferenceId: 'S-2', ContactName: 'Zhang San', Honorific: 'Mr Zhang' }],
      Tasks: [],
    });
    expect(listed.Jobs[2]).toMatchObject({ ReferenceId: 'A-1', Contacts: [{ PhoneNumber: '13800000021' }] });

    const page = parsed(
      'list later group jobs',
      z.object({
        Jobs: z.object({
          PageNumber: z.literal(1),
          PageSize: z.literal(10),
          TotalCount: z.literal(5),
          List: z.array(z.object({ JobId: z.string(), ReferenceId: z.string() }).loose()),
        }),
      }),
    );
    expect(page.Jobs.List.map((job) => job.ReferenceId).sort()).toEqual(['A-1', 'A-2', 'S-1', 'S-2', 'S-3']);
    for (const job of page.Jobs.List) expect(job).not.toHaveProperty('Tasks');

    expect(bodyOf('list 99 jobs')).toMatchObject({ Jobs: [{ JobId: outbound.laterJobIds[2], ReferenceId: 'S-3' }] });
    expect(bodyOf('list 99 jobs').Jobs).toHaveLength(1);
  });

  it('suspends, resumes and cancels jobs', () => {
    for (const name of ['suspend a job', 'resume by reference', 'cancel a job', 'cancel all later jobs']) {
      expect({ name, ...bodyOf(name) }).toMatchObject({ name, ...envelope });
    }
    expect(bodyOf('wait paused')).toMatchObject({ Job: { JobId: outbound.laterJobIds[0], Status: 'Paused' } });
    expect(bodyOf('list paused jobs')).toMatchObject({
      Jobs: { TotalCount: 1, List: [{ JobId: outbound.laterJobIds[0], Status: 'Paused' }] },
    });
    expect(bodyOf('wait resumed')).toMatchObject({ Job: { JobId: outbound.laterJobIds[0], Status: 'Scheduling' } });
    expect(bodyOf('wait cancelled')).toMatchObject({ Job: { JobId: outbound.laterJobIds[1], Status: 'Cancelled' } });
    const cancelled = parsed(
      'wait all cancelled',
      z.object({ Jobs: z.object({ List: z.array(z.object({ Status: z.string() }).loose()) }) }),
    );
    expect(cancelled.Jobs.List.map((job) => job.Status)).toEqual(Array(5).fill('Cancelled'));
  });

  it('reads the job a dialer took and ended SucceededFinish, with its call details', () => {
    expect(dialerError).toBeUndefined();
    expect(dialTaskId).toBe(`${outbound.dialJobId}.1`);
    const task = {
      TaskId: dialTaskId,
      JobId: outbound.dialJobId,
      Status: 'SucceededFinish',
      CalledNumber: '13800000001',
      CallingNumber: '02110000001',
      CallId: 'call-1',
      Duration: 42,
      PlanedTime: expect.any(Number),
      ActualTime: expect.any(Number),
      Contact: { PhoneNumber: '13800000001', ReferenceId: 'C-1' },
      Conversation: [
        { Speaker: 'Robot', Script: '您好，这里是客服中心。', Timestamp: 1_700_000_000_000 },
        { Speaker: 'Contact', Script: '你好。', Timestamp: 1_700_000_001_000 },
      ],
    };
    const job = {
      JobId: outbound.dialJobId,
      JobGroupId: outbound.dialGroupId,
      Status: 'Succeeded',
      FailureReason: '',
      ReferenceId: 'C-1',
      Extras: [{ Key: 'orderId', Value: 'A-17' }],
      Summary: [{ SummaryName: 'intent', Category: '', Content: 'renew' }],
    };
    expect(bodyOf('wait succeeded')).toMatchObject({
      Job: { ...job, InstanceId: outbound.instanceId, Tasks: [{ ...task, HangUpDirection: 'client' }] },
    });
    expect(bodyOf('list succeeded job')).toMatchObject({ Jobs: [{ ...job, Tasks: [task] }] });
    const listed = parsed(
      'list succeeded job',
      z.object({ Jobs: z.array(z.object({ Tasks: z.array(z.unknown()) }).loose()) }),
    );
    expect(listed.Jobs[0]?.Tasks).toHaveLength(1);
    expect(bodyOf('list succeeded by group')).toMatchObject({
      Jobs: { TotalCount: 1, List: [{ JobId: outbound.dialJobId, Status: 'Succeeded' }] },
    });
    expect(bodyOf('describe completed group')).toMatchObject({
      JobGroup: {
        Status: 'Completed',
        Progress: { TotalJobs: 1, TotalCompleted: 1, Executing: 0, Status: 'Completed' },
      },
    });
    expect(bodyOf('list completed groups')).toMatchObject({
      JobGroups: { TotalCount: 1, List: [{ JobGroupId: outbound.dialGroupId, Status: 'Completed' }] },
    });
  });

  it('signs with V1 (HMAC-SHA1) as well', () => {
    const v1 = results.filter((s) => s.signature === 'v2').map((s) => s.name);
    expect(v1).toEqual([
      'list jobs v1',
      'describe job v1',
      'create group v1',
      'describe unknown job v1',
      'delete group v1',
      'describe deleted instance v1',
    ]);
    const listed = parsed('list jobs v1', z.object({ Jobs: z.array(z.object({ JobId: z.string() }).loose()) }));
    expect(listed.Jobs.map((job) => job.JobId)).toEqual([outbound.dialJobId, outbound.laterJobIds[0]]);
    expect(bodyOf('describe job v1')).toMatchObject({ Job: { JobId: outbound.dialJobId, Status: 'Succeeded' } });
    expect(bodyOf('create group v1')).toMatchObject({
      JobGroup: {
        JobGroupName: 'Signed with V1 · 签名',
        JobGroupDescription: "a+b=c & 50% (x)!'~*",
        Strategy: { RepeatBy: 'Once', StartTime: dayAhead },
      },
    });
    expect(bodyOf('delete group v1')).toMatchObject(envelope);
  });

  it('keeps the instance settings', () => {
    expect(bodyOf('save max attempts')).toMatchObject(envelope);
    expect(bodyOf('get max attempts')).toMatchObject({ MaxAttemptsPerDay: 5 });
    expect(bodyOf('save base strategy period')).toMatchObject(envelope);
    expect(bodyOf('get base strategy period')).toMatchObject({
      WorkingTime: [
        { BeginTime: '09:00:00', EndTime: '12:00:00', BeginTimeMillis: 32_400_000, EndTimeMillis: 43_200_000 },
        { BeginTime: '13:30:00', EndTime: '18:00:00', BeginTimeMillis: 48_600_000, EndTimeMillis: 64_800_000 },
      ],
      OnlyWeekdays: true,
      OnlyWorkdays: false,
    });
  });

  it('deletes the groups and the instance', () => {
    for (const name of ['delete dial group', 'delete later group', 'delete instance']) {
      expect({ name, ...bodyOf(name) }).toMatchObject({ name, ...envelope });
    }
    expect(stepNamed('describe deleted instance')).toMatchObject({ ok: false, status: 404, code: 'NotExist.Instance' });
  });
});
