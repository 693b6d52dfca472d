/**
 * Issue 11, durability: the worker process is SIGKILLed while outbound attempts are pending — one call in progress,
 * one attempt queued for a dialer, one job waiting for a conversation slot, two jobs sleeping on their strategy's
 * start time. After a new worker process starts, every job finishes, no attempt is lost and none is dialled twice.
 */
import type { ChildProcess } from 'node:child_process';
import { z } from 'zod';
import { jobViewSchema } from '../../domain/outbound/records';
import { exited, spawnWorker } from '../support/processes';
import { eventually, outboundRpc, testDialer } from '../support/outbound';
import { useTestStack } from '../support/stack';

const START_DELAY_MS = 6_000;

describe('outbound durability: the worker process is killed', () => {
  let worker: ChildProcess | undefined;
  afterAll(() => {
    worker?.kill('SIGKILL');
  });
  const { stack, tenant } = useTestStack({ workers: false });

  it('loses no attempt and dials none twice across a worker crash', async () => {
    worker = spawnWorker(stack.env);
    const rpc = outboundRpc(stack, tenant);
    const instance = await rpc.ok('CreateInstance', {
      InstanceName: 'durable',
      MaxConcurrentConversation: 2,
      CallingNumber: ['02100000001'],
      TimeZone: 'UTC',
    });
    const instanceId = z.object({ Instance: z.object({ InstanceId: z.string() }) }).parse(instance).Instance.InstanceId;
    const groupOf = async (name: string, strategy: object) =>
      z.object({ JobGroup: z.object({ JobGroupId: z.string() }) }).parse(
        await rpc.ok('CreateJobGroup', {
          InstanceId: instanceId,
          JobGroupName: name,
          StrategyJson: JSON.stringify(strategy),
        }),
      ).JobGroup.JobGroupId;
    const now = await groupOf('now', {});
    const later = await groupOf('later', { startTime: Date.now() + START_DELAY_MS });
    const assign = async (jobGroupId: string, numbers: string[]) =>
      z.object({ JobsId: z.array(z.string()) }).parse(
        await rpc.ok('AssignJobs', {
          InstanceId: instanceId,
          JobGroupId: jobGroupId,
          JobsJson: numbers.map((phoneNumber) =>
            JSON.stringify({ contacts: [{ phoneNumber, referenceId: phoneNumber }] }),
          ),
        }),
      ).JobsId;
    const immediate = await assign(now, ['13900000001', '13900000002', '13900000003']);
    const delayed = await assign(later, ['13900000004', '13900000005']);
    const all = [...immediate, ...delayed];
    const listJobs = async () =>
      z
        .object({ Jobs: z.array(jobViewSchema.partial()) })
        .parse(await rpc.ok('ListJobs', { InstanceId: instanceId, JobId: all })).Jobs;

    // Two attempts in flight (the instance's cap), the third job waits for a slot.
    await eventually(
      async () => {
        const jobs = await listJobs();
        return jobs.filter((job) => job.Status === 'Executing').length === 2 ? jobs : undefined;
      },
      30_000,
      'two attempts in flight',
    );
    const dialer = testDialer(stack, tenant, instanceId, 'dialer-durable');
    await dialer.register(1);
    const inProgress = await dialer.take();

    worker.kill('SIGKILL');
    await exited(worker);
    // The delayed jobs' start time passes while no worker runs.
    await new Promise((resolve) => setTimeout(resolve, START_DELAY_MS));
    worker = spawnWorker(stack.env);

    // The call in progress ends normally; then every other attempt reaches the dialer once.
    await dialer.hangUp(inProgress.taskId, inProgress.assignmentId, 'SucceededFinish');
    const taken = new Set([inProgress.taskId]);
    while (taken.size < all.length) {
      const next = await dialer.take(60_000);
      expect(taken.has(next.taskId)).toBe(false);
      taken.add(next.taskId);
      await dialer.hangUp(next.taskId, next.assignmentId, 'SucceededFinish');
    }
    const finished = await eventually(
      async () => {
        const jobs = await listJobs();
        return jobs.every((job) => job.Status === 'Succeeded') ? jobs : undefined;
      },
      60_000,
      'every job succeeded',
    );
    expect(finished).toHaveLength(all.length);
    for (const job of finished) {
      // One attempt each: nothing dialled twice, nothing lost.
      expect(job.Tasks?.map((task) => task.TaskId)).toEqual([`${job.JobId}.1`]);
      expect(job.Tasks?.[0]?.Status).toBe('SucceededFinish');
      const routerJob = await stack.http.get(`/routing/jobs/${job.JobId}.1?api-version=2023-11-01`).set(tenant.auth);
      expect(Object.keys((routerJob.body as { assignments: object }).assignments)).toHaveLength(1);
    }
    expect([...taken].sort()).toEqual(all.map((jobId) => `${jobId}.1`).sort());
  }, 180_000);
});
