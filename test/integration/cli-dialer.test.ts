/**
 * `ccflow dialer simulate` against the real API and workflows: outbound jobs assigned through the OutboundBot RPC
 * API are dialled by the CLI (a router worker on the instance's queue) and end Succeeded with the scripted
 * conversation, or Failed when nobody answers and the strategy allows one attempt.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { type CliIo, main } from '../../cli/ccflow';
import { NOT_ANSWERED_DISPOSITIONS, SCENARIOS, planCall, seededRandom } from '../../cli/dialer';
import { jobViewSchema } from '../../domain/outbound/records';
import { eventually, outboundRpc } from '../support/outbound';
import { useTestStack } from '../support/stack';

const REPO = path.resolve(__dirname, '../..');
const API = 'api-version=2023-11-01';

const listJobsSchema = z.object({
  Jobs: z.array(jobViewSchema.omit({ InstanceId: true, CalledNumber: true, NextExecutionTime: true })),
});
type ListedJob = z.infer<typeof listJobsSchema>['Jobs'][number];

function capture(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** The per-attempt lines: `call N  task <taskId>  called <number> from <number>  <disposition> (…)`. */
function attemptLines(stdout: string): { taskId: string; called: string; disposition: string }[] {
  return [...stdout.matchAll(/^call \d+ {2}task (\S+) {2}called (\S+) from \S+ {2}(\w+) \(/gm)].map((match) => ({
    taskId: match[1] ?? '',
    called: match[2] ?? '',
    disposition: match[3] ?? '',
  }));
}

describe('ccflow dialer simulate against the real API', () => {
  const { stack, tenant } = useTestStack();
  let server: Server;
  let url: string;
  let seq = 0;

  async function cli(args: string[], apiKey = tenant.apiKey) {
    const stdout = capture();
    const stderr = capture();
    const io: CliIo = { stdout: stdout.stream, stderr: stderr.stream, cwd: REPO, env: {} };
    const code = await main([...args, '--url', url, '--api-key', apiKey], io);
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  /** An instance, a job group with `strategy` and `count` jobs of one contact each; phone number per job id. */
  async function instanceWithJobs(count: number, strategy: object = {}) {
    const rpc = outboundRpc(stack, tenant);
    seq += 1;
    const instance = await rpc.ok('CreateInstance', {
      InstanceName: `dialer ${seq} ${Date.now()}`,
      MaxConcurrentConversation: 5,
      CallingNumber: ['02100000000'],
      TimeZone: 'UTC',
    });
    const instanceId = z.object({ Instance: z.object({ InstanceId: z.string() }) }).parse(instance).Instance.InstanceId;
    const group = await rpc.ok('CreateJobGroup', {
      InstanceId: instanceId,
      JobGroupName: `dialer group ${seq}`,
      StrategyJson: JSON.stringify(strategy),
    });
    const jobGroupId = z.object({ JobGroup: z.object({ JobGroupId: z.string() }) }).parse(group).JobGroup.JobGroupId;
    const phones = Array.from({ length: count }, (_, index) => `1390000${seq}${String(index).padStart(3, '0')}`);
    const jobsJson = phones.map((phoneNumber, index) =>
      JSON.stringify({ contacts: [{ phoneNumber, referenceId: `R-${seq}-${index}` }] }),
    );
    const jobIds =
      count === 0
        ? []
        : z
            .object({ JobsId: z.array(z.string()) })
            .parse(await rpc.ok('AssignJobs', { InstanceId: instanceId, JobGroupId: jobGroupId, JobsJson: jobsJson }))
            .JobsId;
    expect(jobIds).toHaveLength(count);
    const phoneOf = new Map(jobIds.map((jobId, index) => [jobId, phones[index] ?? '']));
    return { rpc, instanceId, jobIds, phoneOf };
  }

  const jobsWhen = (
    rpc: ReturnType<typeof outboundRpc>,
    instanceId: string,
    jobIds: string[],
    done: (job: ListedJob) => boolean,
  ) =>
    eventually(
      async () => {
        const jobs = listJobsSchema.parse(await rpc.ok('ListJobs', { InstanceId: instanceId, JobId: jobIds })).Jobs;
        return jobs.length === jobIds.length && jobs.every(done) ? jobs : undefined;
      },
      30_000,
      'the jobs to end',
    );

  const routerWorker = async (workerId: string) =>
    z
      .object({ availableForOffers: z.boolean(), assignedJobs: z.array(z.unknown()), offers: z.array(z.unknown()) })
      .loose()
      .parse((await stack.http.get(`/routing/workers/${workerId}?${API}`).set(tenant.auth)).body);

  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = stack.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers every call with --answer-rate 1: the outcome carries the conversation and the jobs succeed', async () => {
    const { rpc, instanceId, jobIds, phoneOf } = await instanceWithJobs(5);
    const workerId = `dialer-answer-${Date.now()}`;
    const run = await cli([
      'dialer',
      'simulate',
      '--instance',
      instanceId,
      '--answer-rate',
      '1',
      '--max-calls',
      '5',
      '--call-ms',
      '50',
      '--worker-id',
      workerId,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^Dialer ${workerId} registered on queue outbound-${instanceId} .*capacity 5, answer rate 1, seed \\d+`,
        'm',
      ),
    );
    const lines = attemptLines(run.stdout);
    expect(lines.map((line) => line.taskId).sort()).toEqual(jobIds.map((jobId) => `${jobId}.1`).sort());
    for (const line of lines) {
      // The called number is the job's contact, read from the router job's labels.
      expect(line.called).toBe(phoneOf.get(line.taskId.replace(/\.1$/, '')));
      expect(line.disposition).toBe('SucceededFinish');
    }
    expect(run.stdout).toMatch(/^Calls:\s+5 \(5 answered, 0 not answered\)$/m);
    expect(run.stdout).toMatch(/^Outcomes:\s+SucceededFinish 5$/m);
    expect(run.stdout).toMatch(/stopped \(call limit reached\).*no longer available for offers$/m);

    const jobs = await jobsWhen(rpc, instanceId, jobIds, (job) => job.Status === 'Succeeded');
    const scripts = new Set(SCENARIOS.flatMap((scenario) => scenario.lines.map(([, script]) => script)));
    for (const job of jobs) {
      expect(job.Tasks).toHaveLength(1);
      const [task] = job.Tasks;
      expect(task).toMatchObject({ Status: 'SucceededFinish', CallId: `sim-${job.JobId}.1` });
      expect(['client', 'ivr']).toContain(task?.HangUpDirection);
      expect(task?.Duration).toBeGreaterThan(0);
      const conversation = task?.Conversation ?? [];
      expect(conversation.length).toBeGreaterThanOrEqual(3);
      expect(conversation.length).toBeLessThanOrEqual(6);
      expect(conversation[0]?.Speaker).toBe('Robot');
      expect(conversation.map((line) => line.Speaker)).toContain('Contact');
      for (const line of conversation) expect(scripts.has(line.Script)).toBe(true);
      expect(job.Summary).toEqual(
        expect.arrayContaining([expect.objectContaining({ SummaryName: 'intent', Content: expect.any(String) })]),
      );
    }
    // Deregistered, holding nothing.
    expect(await routerWorker(workerId)).toMatchObject({ availableForOffers: false, assignedJobs: [], offers: [] });
  });

  it('closes unanswered calls with a not-answered status; one attempt allowed, the jobs fail', async () => {
    const { rpc, instanceId, jobIds } = await instanceWithJobs(5, { maxAttemptsPerDay: 1, repeatBy: 'once' });
    const run = await cli([
      'dialer',
      'simulate',
      '--instance',
      instanceId,
      '--answer-rate',
      '0',
      '--max-calls',
      '5',
      '--call-ms',
      '20',
      '--seed',
      '42',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = attemptLines(run.stdout);
    expect(lines).toHaveLength(5);
    const notAnswered: readonly string[] = NOT_ANSWERED_DISPOSITIONS;
    for (const line of lines) expect(notAnswered).toContain(line.disposition);
    expect(run.stdout).toMatch(/^Calls:\s+5 \(0 answered, 5 not answered\)$/m);
    // The default worker id names the host.
    expect(run.stdout).toMatch(/^Dialer dialer-[A-Za-z0-9-]+-[0-9a-f]{6} registered/m);

    const jobs = await jobsWhen(rpc, instanceId, jobIds, (job) => job.Status === 'Failed');
    const statusOf = new Map(lines.map((line) => [line.taskId, line.disposition]));
    for (const job of jobs) {
      expect(job.Tasks).toHaveLength(1);
      // Each task carries the status the dialer closed its router job with, and no conversation.
      expect(job.Tasks[0]?.Status).toBe(statusOf.get(`${job.JobId}.1`));
      expect(job.Tasks[0]?.Conversation).toEqual([]);
      expect(job.FailureReason).not.toBe('');
    }
  });

  it('draws the same outcomes for the same seed, at the answer rate asked', () => {
    const draw = (seed: number, rate: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 2000 }, () => planCall(random, rate));
    };
    const first = draw(7, 0.6);
    expect(draw(7, 0.6)).toEqual(first);
    expect(draw(8, 0.6)).not.toEqual(first);
    const answered = first.filter((plan) => plan.answered).length / first.length;
    expect(answered).toBeGreaterThan(0.55);
    expect(answered).toBeLessThan(0.65);
    const dispositions = new Set(first.flatMap((plan) => (plan.answered ? [] : [plan.disposition])));
    expect([...dispositions].sort()).toEqual([...NOT_ANSWERED_DISPOSITIONS].sort());
    for (const scenario of SCENARIOS) {
      expect(scenario.lines.length).toBeGreaterThanOrEqual(3);
      expect(scenario.lines.length).toBeLessThanOrEqual(6);
    }
  });

  it('stops an idle dialer after --duration and deregisters it', async () => {
    const { instanceId } = await instanceWithJobs(0);
    const workerId = `dialer-idle-${Date.now()}`;
    const started = Date.now();
    const run = await cli(['dialer', 'simulate', '--instance', instanceId, '--duration', '1', '--worker-id', workerId]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(run.stdout).toMatch(/stopped \(time is up\)/);
    expect(run.stdout).toMatch(/^Calls:\s+0 \(0 answered, 0 not answered\)$/m);
    expect(await routerWorker(workerId)).toMatchObject({ availableForOffers: false });
  });

  it('says what is wrong: an unknown instance, a rejected key, bad options', async () => {
    const unknown = await cli(['dialer', 'simulate', '--instance', 'no-such-instance', '--max-calls', '1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(
      /^error: outbound instance "no-such-instance" has no router queue outbound-no-such-instance/,
    );

    const wrongKey = await cli(['dialer', 'simulate', '--instance', 'x', '--max-calls', '1'], 'ccf_not-a-real-key');
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('error: The API key is not valid.');
    expect(wrongKey.stderr).toContain('(the API key came from --api-key)');

    const rate = await cli(['dialer', 'simulate', '--instance', 'x', '--answer-rate', '1.5']);
    expect(rate.code).toBe(1);
    expect(rate.stderr).toMatch(/--answer-rate.*expected a number from 0 to 1/);

    const missing = await cli(['dialer', 'simulate']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--instance <id>' not specified");
  });

  it('on Ctrl-C (as `node bin/ccflow.js`) stops taking calls, deregisters and prints the summary', async () => {
    const { rpc, instanceId, jobIds } = await instanceWithJobs(1);
    const workerId = `dialer-sigint-${Date.now()}`;
    const child: ChildProcess = spawn(
      process.execPath,
      [
        path.join(REPO, 'bin', 'ccflow.js'),
        'dialer',
        'simulate',
        '--instance',
        instanceId,
        '--answer-rate',
        '1',
        '--worker-id',
        workerId,
        '--url',
        url,
        '--api-key',
        tenant.apiKey,
      ],
      { cwd: REPO, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(async () => (attemptLines(stdout).length === 1 ? true : undefined), 60_000, 'the first call');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toBe('');
    expect(stdout).toMatch(/stopped \(Ctrl-C\).*no longer available for offers$/m);
    expect(stdout).toMatch(/^Calls:\s+1 \(1 answered, 0 not answered\)$/m);
    expect(await routerWorker(workerId)).toMatchObject({ availableForOffers: false });
    await jobsWhen(rpc, instanceId, jobIds, (job) => job.Status === 'Succeeded');
  });
});
