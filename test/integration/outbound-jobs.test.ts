/**
 * Issue 11, outbound jobs end to end on the real servers: AssignJobs → one workflow per job → each attempt a router
 * job on the instance's queue → a dialer (a router worker) takes it and closes it with a task status → the job
 * retries or finishes; ListJobs / DescribeJob / ListJobsByGroup read what the workflows wrote.
 */
import { z } from 'zod';
import { type JobView, jobViewSchema } from '../../domain/outbound/records';
import { eventually, outboundRpc, testDialer } from '../support/outbound';
import { type TestTenant, useTestStack } from '../support/stack';

const listJobsSchema = z.object({
  Jobs: z.array(jobViewSchema.omit({ InstanceId: true, CalledNumber: true, NextExecutionTime: true })),
});

describe('outbound jobs: attempts routed to dialers', () => {
  const { stack, tenant } = useTestStack();
  let seq = 0;

  async function instanceWithGroup(
    options: { strategy?: object; recall?: object; maxConcurrent?: number; owner?: TestTenant; timeZone?: string } = {},
  ) {
    const rpc = outboundRpc(stack, options.owner ?? tenant);
    seq += 1;
    const instance = await rpc.ok('CreateInstance', {
      InstanceName: `outbound ${seq} ${Date.now()}`,
      MaxConcurrentConversation: options.maxConcurrent ?? 5,
      CallingNumber: ['02110000001', '05710000002'],
      TimeZone: options.timeZone ?? 'UTC',
    });
    const instanceId = z.object({ Instance: z.object({ InstanceId: z.string() }) }).parse(instance).Instance.InstanceId;
    const group = await rpc.ok('CreateJobGroup', {
      InstanceId: instanceId,
      JobGroupName: `group ${seq}`,
      StrategyJson: JSON.stringify(options.strategy ?? {}),
      ...(options.recall ? { RecallStrategyJson: JSON.stringify(options.recall) } : {}),
    });
    const jobGroupId = z.object({ JobGroup: z.object({ JobGroupId: z.string() }) }).parse(group).JobGroup.JobGroupId;
    return { rpc, instanceId, jobGroupId };
  }

  const jobJson = (phoneNumber: string, referenceId: string, extras: object[] = []) =>
    JSON.stringify({ contacts: [{ phoneNumber, referenceId, name: 'Zhang San' }], extras });

  async function assign(rpc: ReturnType<typeof outboundRpc>, instanceId: string, jobGroupId: string, jobs: string[]) {
    const body = await rpc.ok('AssignJobs', { InstanceId: instanceId, JobGroupId: jobGroupId, JobsJson: jobs });
    return z.object({ JobGroupId: z.string(), JobsId: z.array(z.string()) }).parse(body).JobsId;
  }

  async function describe_(rpc: ReturnType<typeof outboundRpc>, instanceId: string, jobId: string): Promise<JobView> {
    const body = await rpc.ok('DescribeJob', { InstanceId: instanceId, JobId: jobId });
    return jobViewSchema.parse((body as { Job: unknown }).Job);
  }

  const waitForJob = (
    rpc: ReturnType<typeof outboundRpc>,
    instanceId: string,
    jobId: string,
    done: (job: JobView) => boolean,
    timeoutMs = 30_000,
  ) =>
    eventually(
      async () => {
        const job = await describe_(rpc, instanceId, jobId);
        return done(job) ? job : undefined;
      },
      timeoutMs,
      `job ${jobId}`,
    );

  it('dials a job, takes the dialer outcome and the call details, and succeeds', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup();
    const [jobId] = await assign(rpc, instanceId, jobGroupId, [
      jobJson('13800000001', 'C-1', [{ key: 'orderId', value: 'A-17' }]),
    ]);
    if (!jobId) throw new Error('no job');
    // Listed as soon as AssignJobs answers.
    const listed = listJobsSchema.parse(await rpc.ok('ListJobs', { InstanceId: instanceId, JobId: [jobId] }));
    expect(listed.Jobs).toHaveLength(1);
    expect(listed.Jobs[0]).toMatchObject({ JobId: jobId, JobGroupId: jobGroupId, ReferenceId: 'C-1' });
    expect(['Scheduling', 'Executing']).toContain(listed.Jobs[0]?.Status);

    const dialer = testDialer(stack, tenant, instanceId, `dialer-${seq}`);
    await dialer.register();
    const { taskId, assignmentId } = await dialer.take();
    expect(taskId).toBe(`${jobId}.1`);
    const executing = await waitForJob(rpc, instanceId, jobId, (job) => job.Status === 'Executing');
    expect(executing.Tasks[0]).toMatchObject({ TaskId: taskId, Status: 'Executing', CalledNumber: '13800000001' });
    expect(['02110000001', '05710000002']).toContain(executing.Tasks[0]?.CallingNumber);

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
    expect(reported.status).toBe(200);
    expect(reported.body).toMatchObject({ TaskId: taskId, Duration: 42, CallId: 'call-1' });
    await dialer.hangUp(taskId, assignmentId, 'SucceededFinish');

    const done = await waitForJob(rpc, instanceId, jobId, (job) => job.Status === 'Succeeded');
    expect(done.FailureReason).toBe('');
    expect(done.Tasks).toHaveLength(1);
    expect(done.Tasks[0]).toMatchObject({
      Status: 'SucceededFinish',
      Duration: 42,
      CallId: 'call-1',
      HangUpDirection: 'client',
      Conversation: [
        { Speaker: 'Robot', Script: '您好，这里是客服中心。', Timestamp: 1_700_000_000_000 },
        { Speaker: 'Contact', Script: '你好。' },
      ],
    });
    expect(done.Tasks[0]?.ActualTime).toBeGreaterThan(0);
    expect(done.Summary).toEqual([{ SummaryName: 'intent', Category: '', Content: 'renew' }]);
    expect(done.Extras).toEqual([{ Key: 'orderId', Value: 'A-17' }]);

    // The router job carried the job's extras as labels.
    const routerJob = await stack.http.get(`/routing/jobs/${taskId}?api-version=2023-11-01`).set(tenant.auth);
    expect(routerJob.body).toMatchObject({
      channelId: 'outboundVoice',
      queueId: `outbound-${instanceId}`,
      labels: { orderId: 'A-17', outboundJobId: jobId, calledNumber: '13800000001' },
      status: 'closed',
      dispositionCode: 'SucceededFinish',
    });
  });

  it('retries an unanswered number and fails when the attempts are used up', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup({
      strategy: { maxAttemptsPerDay: '2', minAttemptInterval: 0, repeatBy: 'once' },
    });
    const [jobId] = await assign(rpc, instanceId, jobGroupId, [jobJson('13800000002', 'C-2')]);
    if (!jobId) throw new Error('no job');
    const dialer = testDialer(stack, tenant, instanceId, `dialer-${++seq}`);
    await dialer.register();
    for (const attempt of [1, 2]) {
      const { taskId, assignmentId } = await dialer.take();
      expect(taskId).toBe(`${jobId}.${attempt}`);
      await dialer.hangUp(taskId, assignmentId, 'NoAnswer');
    }
    const failed = await waitForJob(rpc, instanceId, jobId, (job) => job.Status === 'Failed');
    expect(failed.FailureReason).toBe('NoneRepeatableJobMaxAttemptCountLimit');
    expect(failed.Tasks.map((task) => task.Status)).toEqual(['NoAnswer', 'NoAnswer']);
    // The two attempts rotated through the calling numbers.
    expect(new Set(failed.Tasks.map((task) => task.CallingNumber)).size).toBe(2);

    const byGroup = await rpc.ok('ListJobsByGroup', {
      InstanceId: instanceId,
      JobGroupId: jobGroupId,
      PageNumber: 1,
      PageSize: 10,
      JobStatus: 'Failed',
      JobFailureReason: 'NoneRepeatableJobMaxAttemptCountLimit',
    });
    expect(byGroup.Jobs).toMatchObject({ PageNumber: 1, PageSize: 10, TotalCount: 1 });
    expect((byGroup.Jobs as { List: object[] }).List[0]).not.toHaveProperty('Tasks');
  });

  it('fails a blocked number without dialling it', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup();
    await rpc.ok('SaveContactBlockList', {
      InstanceId: instanceId,
      ContactBlockListsJson: JSON.stringify([{ phoneNumber: '13800000003', remark: 'asked not to be called' }]),
    });
    const [jobId] = await assign(rpc, instanceId, jobGroupId, [jobJson('13800000003', 'C-3')]);
    if (!jobId) throw new Error('no job');
    const failed = await waitForJob(rpc, instanceId, jobId, (job) => job.Status === 'Failed');
    expect(failed.FailureReason).toBe('ContactBlockList');
    expect(failed.Tasks.map((task) => task.Status)).toEqual(['ContactBlockList']);
  });

  it('holds the jobs of a paused group until the group is released', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup();
    await rpc.ok('ModifyJobGroup', {
      InstanceId: instanceId,
      JobGroupId: jobGroupId,
      Name: 'held',
      JobGroupStatus: 'Paused',
    });
    const [jobId] = await assign(rpc, instanceId, jobGroupId, [jobJson('13800000061', 'P-1')]);
    if (!jobId) throw new Error('no job');
    const held = await waitForJob(rpc, instanceId, jobId, (job) => job.Status === 'Paused');
    expect(held.Tasks).toEqual([]);
    await rpc.ok('ModifyJobGroup', {
      InstanceId: instanceId,
      JobGroupId: jobGroupId,
      Name: 'released',
      JobGroupStatus: 'Scheduling',
    });
    const released = await waitForJob(rpc, instanceId, jobId, (job) => job.Status === 'Executing');
    expect(released.Tasks).toHaveLength(1);
  });

  it("counts a dialer's not-dialled outcome: the recall rule ends the job instead of redialling", async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup({
      strategy: { repeatBy: 'day', maxAttemptsPerDay: 5 },
      recall: { emptyNumberIgnore: true },
    });
    const [jobId] = await assign(rpc, instanceId, jobGroupId, [jobJson('13800000071', 'E-1')]);
    if (!jobId) throw new Error('no job');
    const dialer = testDialer(stack, tenant, instanceId, `dialer-${++seq}`);
    await dialer.register();
    const { taskId, assignmentId } = await dialer.take();
    await dialer.hangUp(taskId, assignmentId, 'EmptyNumber');
    const failed = await waitForJob(rpc, instanceId, jobId, (job) => job.Status === 'Failed');
    expect(failed.FailureReason).toBe('EmptyNumber');
    expect(failed.Tasks.map((task) => task.Status)).toEqual(['EmptyNumber']);
  });

  it('suspends, resumes and cancels jobs; an attempt nobody took is withdrawn', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup();
    const ids = await assign(rpc, instanceId, jobGroupId, [
      jobJson('13800000011', 'S-1'),
      jobJson('13800000012', 'S-2'),
      jobJson('13800000013', 'S-3'),
    ]);
    const [first, second, third] = ids;
    if (!first || !second || !third) throw new Error('no jobs');
    // No dialer: the attempts wait in the queue as router jobs.
    for (const id of ids) await waitForJob(rpc, instanceId, id, (job) => job.Status === 'Executing');

    await rpc.ok('SuspendJobs', { InstanceId: instanceId, All: false, JobId: [first] });
    const paused = await waitForJob(rpc, instanceId, first, (job) => job.Status === 'Paused');
    expect(paused.Tasks.map((task) => task.Status)).toEqual(['Cancelled']);
    const withdrawn = await stack.http.get(`/routing/jobs/${first}.1?api-version=2023-11-01`).set(tenant.auth);
    expect(withdrawn.body).toMatchObject({ status: 'cancelled' });

    await rpc.ok('ResumeJobs', { InstanceId: instanceId, All: false, JobReferenceId: ['S-1'] });
    const resumed = await waitForJob(
      rpc,
      instanceId,
      first,
      (job) => job.Status === 'Executing' && job.Tasks.length === 2,
    );
    expect(resumed.Tasks[1]?.TaskId).toBe(`${first}.2`);

    await rpc.ok('CancelJobs', { InstanceId: instanceId, All: true, JobGroupId: jobGroupId });
    for (const id of ids) {
      const cancelled = await waitForJob(rpc, instanceId, id, (job) => job.Status === 'Cancelled');
      expect(cancelled.Tasks.at(-1)?.Status).toBe('Cancelled');
    }
    const progress = await rpc.ok('DescribeJobGroup', { InstanceId: instanceId, JobGroupId: jobGroupId });
    expect(progress.JobGroup).toMatchObject({ Progress: { TotalJobs: 3, Cancelled: 3 } });

    // Controls need ids (or All) and a known instance.
    const none = await rpc.call('CancelJobs', { InstanceId: instanceId, All: false });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ Code: 'MissingParameter' });
    const unknown = await rpc.call('SuspendJobs', { InstanceId: 'no-such-instance', All: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ Code: 'NotExist.Instance' });
  });

  it('keeps at most MaxConcurrentConversation attempts in flight', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup({ maxConcurrent: 1 });
    const ids = await assign(rpc, instanceId, jobGroupId, [
      jobJson('13800000021', 'M-1'),
      jobJson('13800000022', 'M-2'),
    ]);
    const dialer = testDialer(stack, tenant, instanceId, `dialer-${++seq}`);
    await dialer.register(5);
    const { taskId, assignmentId } = await dialer.take();
    // The other job waits for the slot: it has no task yet, and no second offer comes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await dialer.offers()).toHaveLength(0);
    const jobs = listJobsSchema.parse(await rpc.ok('ListJobs', { InstanceId: instanceId, JobId: ids })).Jobs;
    expect(jobs.map((job) => job.Tasks.length).sort()).toEqual([0, 1]);
    await dialer.hangUp(taskId, assignmentId, 'SucceededClientHangUp');
    const next = await dialer.take();
    expect(next.taskId).not.toBe(taskId);
    await dialer.hangUp(next.taskId, next.assignmentId, 'Busy');
  });

  it('withdraws an attempt nobody took before its window closed and schedules the next window', async () => {
    const now = new Date();
    const hhmmss = (date: Date) => date.toISOString().slice(11, 19);
    const windowEnd = new Date(now.getTime() + 10_000);
    if (windowEnd.getUTCDate() !== now.getUTCDate()) return; // a window cannot cross midnight; too close to it
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup({
      strategy: { repeatBy: 'day', workingTime: [{ beginTime: hhmmss(now), endTime: hhmmss(windowEnd) }] },
    });
    const [jobId] = await assign(rpc, instanceId, jobGroupId, [jobJson('13800000031', 'W-1')]);
    if (!jobId) throw new Error('no job');
    const rescheduled = await waitForJob(
      rpc,
      instanceId,
      jobId,
      // The withdrawn task is published first, then the next plan (its NextExecutionTime).
      (job) =>
        job.Status === 'Scheduling' &&
        job.NextExecutionTime > 0 &&
        job.Tasks.length === 1 &&
        job.Tasks[0]?.Status === 'Terminated',
    );
    // Tomorrow, same window.
    expect(rescheduled.NextExecutionTime).toBeGreaterThan(Date.now() + 20 * 3600_000);
  });

  it('answers ListJobs with the ids asked, omitting unknown ones, and refuses 100 ids', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup({
      strategy: { startTime: Date.now() + 86_400_000 },
    });
    const ids = await assign(rpc, instanceId, jobGroupId, [
      jobJson('13800000041', 'L-1'),
      jobJson('13800000042', 'L-2'),
    ]);
    const listed = listJobsSchema.parse(
      await rpc.ok('ListJobs', {
        InstanceId: instanceId,
        JobId: [ids[1] ?? '', 'unknown-job', ids[0] ?? '', ids[1] ?? ''],
      }),
    );
    expect(listed.Jobs.map((job) => job.JobId)).toEqual([ids[1], ids[0]]);
    const tooMany = await rpc.call('ListJobs', {
      InstanceId: instanceId,
      JobId: Array.from({ length: 100 }, (_, index) => `job-${index}`),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ Code: 'InvalidParameter' });
    // Another tenant's instance does not exist for this tenant.
    const other = await stack.newTenant('other');
    const foreign = await outboundRpc(stack, other).call('ListJobs', { InstanceId: instanceId, JobId: ids });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ Code: 'NotExist.Instance' });
    const describeUnknown = await rpc.call('DescribeJob', { InstanceId: instanceId, JobId: 'nope' });
    expect(describeUnknown.status).toBe(404);
    expect(describeUnknown.body).toMatchObject({ Code: 'NotExist.Job' });
    const scheduled = await waitForJob(rpc, instanceId, ids[0] ?? '', (job) => job.NextExecutionTime > 0);
    expect(scheduled).toMatchObject({ Status: 'Scheduling', Tasks: [] });
    expect(scheduled.NextExecutionTime).toBeGreaterThan(Date.now() + 3600_000);
  });

  it('assigns jobs in the background (AssignJobsAsync, json-style form body) and reports them when all exist', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup({
      strategy: { startTime: Date.now() + 86_400_000 },
    });
    const post = (form: Record<string, string>) =>
      stack.http
        .post('/')
        .query({ Action: 'AssignJobsAsync', Version: '2019-12-26' })
        .set(tenant.auth)
        .type('form')
        .send(form);
    const jobs = Array.from({ length: 300 }, (_, index) =>
      jobJson(`1370000${String(index).padStart(4, '0')}`, `A-${index}`),
    );
    const started = await post({ InstanceId: instanceId, JobGroupId: jobGroupId, JobsJson: JSON.stringify(jobs) });
    expect(started.status).toBe(200);
    const asyncTaskId = z.object({ AsyncTaskId: z.string() }).parse(started.body).AsyncTaskId;
    const result = await eventually(
      async () => {
        const body = await rpc.ok('GetAssignJobsAsyncResult', { AsyncTaskId: asyncTaskId });
        return body.Valid === true ? body : undefined;
      },
      60_000,
      'the async assignment',
    );
    const jobsId = z.array(z.string()).parse(result.JobsId);
    expect(result).toMatchObject({ JobGroupId: jobGroupId, Timeout: false });
    expect(new Set(jobsId).size).toBe(300);
    const page = await rpc.ok('ListJobsByGroup', {
      InstanceId: instanceId,
      JobGroupId: jobGroupId,
      PageNumber: 2,
      PageSize: 100,
      JobStatus: 'Scheduling',
    });
    expect(page.Jobs).toMatchObject({ TotalCount: 300, PageNumber: 2 });
    // Creation order is the order of the call.
    expect((page.Jobs as { List: { ReferenceId: string }[] }).List[0]?.ReferenceId).toBe('A-100');

    // One bad job: 400 naming it, nothing started.
    const bad = await post({
      InstanceId: instanceId,
      JobGroupId: jobGroupId,
      JobsJson: JSON.stringify([jobJson('13700009999', 'ok'), '{"contacts":[{"referenceId":"no number"}]}']),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ Code: 'InvalidParameter' });
    expect(String((bad.body as { Message: string }).Message)).toContain('JobsJson[1]');
    const unknown = await rpc.call('GetAssignJobsAsyncResult', { AsyncTaskId: 'nope' });
    expect(unknown.status).toBe(400);
  });

  it('refuses a bad job without creating any of the call', async () => {
    const { rpc, instanceId, jobGroupId } = await instanceWithGroup();
    const bad = await rpc.call('AssignJobs', {
      InstanceId: instanceId,
      JobGroupId: jobGroupId,
      JobsJson: [jobJson('13800000051', 'B-1'), JSON.stringify({ contacts: [] })],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ Code: 'InvalidParameter' });
    expect(String((bad.body as { Message: string }).Message)).toContain('JobsJson.2');
    const page = await rpc.ok('ListJobsByGroup', {
      InstanceId: instanceId,
      JobGroupId: jobGroupId,
      PageNumber: 1,
      PageSize: 10,
    });
    expect(page.Jobs).toMatchObject({ TotalCount: 0, List: [] });
  });
});
