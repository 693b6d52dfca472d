/**
 * Issue 9, the conformance bar: the official Python client azure-communication-jobrouter 1.0.0, unmodified, given
 * the endpoint and key of an ACS connection string, drives all 33 operations of the Job Router API (spec §2) through
 * one scenario against ccflow, workers running (test/fixtures/python/jobrouter_conformance.py describes it). The
 * script records every call as a step and carries on after a failure, so one run shows every broken operation.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { runPythonFixture } from '../support/python-clients';
import { useTestStack } from '../support/stack';

/** The 33 operations of spec §2, by the client method that calls each. */
const OPERATIONS = [
  'upsert_distribution_policy',
  'get_distribution_policy',
  'list_distribution_policies',
  'delete_distribution_policy',
  'upsert_classification_policy',
  'get_classification_policy',
  'list_classification_policies',
  'delete_classification_policy',
  'upsert_exception_policy',
  'get_exception_policy',
  'list_exception_policies',
  'delete_exception_policy',
  'upsert_queue',
  'get_queue',
  'list_queues',
  'delete_queue',
  'list_jobs',
  'get_job',
  'upsert_job',
  'delete_job',
  'reclassify_job',
  'cancel_job',
  'complete_job',
  'close_job',
  'unassign_job',
  'get_queue_position',
  'get_queue_statistics',
  'list_workers',
  'get_worker',
  'upsert_worker',
  'delete_worker',
  'accept_job_offer',
  'decline_job_offer',
] as const;

const step = z.object({
  name: z.string(),
  op: z.string(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  status: z.number().nullish(),
  error: z.string().optional(),
  code: z.string().nullish(),
  message: z.string().optional(),
  wait: z.string().optional(),
  trace: z.string().optional(),
});
type Step = z.infer<typeof step>;

const ids = z.object({
  distributionPolicy: z.string(),
  exceptionPolicy: z.string(),
  queue: z.string(),
  classificationPolicy: z.string(),
  worker1: z.string(),
  worker2: z.string(),
  job1: z.string(),
  job2: z.string(),
  job3: z.string(),
  job4: z.string(),
});
const report = z.object({ ids, steps: z.array(step), cleanup: z.array(z.unknown()) });
type Report = z.infer<typeof report>;

const withId = z.object({ id: z.string() }).loose();
const offer = z.object({ offerId: z.string(), jobId: z.string() }).loose();
const worker = z.object({ id: z.string(), offers: z.array(offer).optional() }).loose();
const accepted = z.object({ assignmentId: z.string(), jobId: z.string(), workerId: z.string() });

/** `endpoint=<url>/;accesskey=<secret>` → its parts. */
function parseConnectionString(connectionString: string): { endpoint: string; accessKey: string } {
  const match = /^endpoint=([^;]+);accesskey=(.+)$/.exec(connectionString);
  if (!match?.[1] || !match[2]) throw new Error(`not a connection string: ${connectionString}`);
  return { endpoint: match[1], accessKey: match[2] };
}

/** One line per step: what it did and, when it failed, how (the client's exception, status, code, message). */
function describeStep(s: Step): string {
  if (s.ok) return `${s.name} [${s.op}]: ok`;
  const how = [s.error, s.status, s.code].filter((part) => part !== undefined && part !== null).join(' ');
  const last = s.result === undefined ? '' : ` (last seen: ${JSON.stringify(s.result).slice(0, 400)})`;
  return `${s.name} [${s.op}]: ${how}${s.message ? `: ${s.message}` : ''}${last}`;
}

describe('the official client azure-communication-jobrouter 1.0.0 drives all 33 operations', () => {
  const { stack, tenant } = useTestStack();
  let server: Server;
  let run: Report;

  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = stack.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const { port } = server.address() as AddressInfo;
    const created = await stack.http.post('/v1/tenants/me/access-keys').set(tenant.auth).send({ kind: 'acs' });
    expect(created.status).toBe(201);
    const key = parseConnectionString(z.object({ connectionString: z.string() }).parse(created.body).connectionString);
    // The connection string names the configured public base URL; this server listens elsewhere. Over plain HTTP the
    // client is built from the endpoint and key (from_connection_string forces https).
    const endpoint = key.endpoint.replace(/^https?:\/\/[^/]+/, `http://127.0.0.1:${port}`);
    const printed = await runPythonFixture<unknown>('jobrouter_conformance.py', [`conf-${Date.now().toString(36)}`], {
      CCFLOW_ENDPOINT: endpoint,
      CCFLOW_ACS_KEY: key.accessKey,
    });
    run = report.parse(printed);
  }, 120_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  /** The result of the step named `name`; throws, saying how the step failed, when it did. */
  const resultOf = (name: string): unknown => {
    const found = run.steps.filter((s) => s.name === name);
    if (found.length !== 1 || !found[0]) throw new Error(`step "${name}" ran ${found.length} times`);
    if (!found[0].ok) throw new Error(`step failed: ${describeStep(found[0])}`);
    return found[0].result;
  };
  const parsed = <T>(name: string, schema: z.ZodType<T>): T => {
    const result = resultOf(name);
    const outcome = schema.safeParse(result);
    if (!outcome.success)
      throw new Error(`step "${name}" returned ${JSON.stringify(result)}: ${z.prettifyError(outcome.error)}`);
    return outcome.data;
  };
  const idsOf = (name: string): string[] => parsed(name, z.array(withId)).map((item) => item.id);
  /** The offers of a polled worker list (the result of a "wait for an offer" step), by worker id. */
  const offersOf = (name: string): Record<string, z.infer<typeof offer>[]> =>
    Object.fromEntries(parsed(name, z.array(worker)).map((w) => [w.id, w.offers ?? []]));
  const seconds = (iso: unknown): number => new Date(String(iso)).getTime() / 1000;

  it('calls each of the 33 operations', () => {
    expect(OPERATIONS).toHaveLength(33);
    const called = new Set(run.steps.map((s) => s.op));
    expect(OPERATIONS.filter((op) => !called.has(op))).toEqual([]);
  });

  it('succeeds at every step (the list shows each failing one)', () => {
    expect(run.steps.filter((s) => !s.ok).map(describeStep)).toEqual([]);
    // Jobs a failed step left in the way of the deletions, removed by the script outside the steps.
    expect(run.cleanup).toEqual([]);
  });

  it('creates, reads and lists the policies and the queue', () => {
    const { distributionPolicy: dp, exceptionPolicy: ep, queue: q, classificationPolicy: cp } = run.ids;
    const policy = resultOf('create distribution policy');
    expect(policy).toMatchObject({
      id: dp,
      etag: expect.any(String),
      name: 'Longest idle',
      offerExpiresAfterSeconds: 60,
      mode: { kind: 'longestIdle', minConcurrentOffers: 1, maxConcurrentOffers: 1 },
    });
    expect(resultOf('get distribution policy')).toEqual(policy);
    expect(idsOf('list distribution policies')).toContain(dp);

    const exceptions = resultOf('create exception policy');
    expect(exceptions).toMatchObject({
      id: ep,
      exceptionRules: [
        {
          id: 'queue-too-long',
          trigger: { kind: 'queueLength', threshold: 100 },
          // An action without an id gets one (spec §3.4).
          actions: [
            { kind: 'cancel', id: expect.any(String), note: 'Queue too long', dispositionCode: 'QueueTooLong' },
          ],
        },
      ],
    });
    expect(resultOf('get exception policy')).toEqual(exceptions);
    expect(idsOf('list exception policies')).toContain(ep);

    const queue = resultOf('create queue');
    expect(queue).toMatchObject({
      id: q,
      name: 'Conformance queue',
      distributionPolicyId: dp,
      exceptionPolicyId: ep,
      labels: { region: 'emea', tier: 1, Id: q },
    });
    expect(resultOf('get queue')).toEqual(queue);
    expect(idsOf('list queues')).toContain(q);

    const classification = resultOf('create classification policy');
    expect(classification).toMatchObject({
      id: cp,
      fallbackQueueId: q,
      queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: q } }],
    });
    expect(resultOf('get classification policy')).toEqual(classification);
    expect(idsOf('list classification policies')).toContain(cp);
  });

  it('queues a job with no worker: status, position, statistics, filtered list', () => {
    const { queue: q, job1 } = run.ids;
    expect(resultOf('statistics of the empty queue')).toMatchObject({ queueId: q, length: 0 });
    const created = resultOf('create job 1');
    expect(created).toMatchObject({
      id: job1,
      etag: expect.any(String),
      channelId: 'voice',
      channelReference: 'call-1',
      queueId: q,
      priority: 1,
      labels: { language: 'en', vip: false },
      tags: { source: 'conformance' },
      matchingMode: { kind: 'queueAndMatch' },
    });
    expect(['created', 'queued']).toContain((created as { status?: unknown }).status);
    expect(resultOf('get job 1')).toMatchObject({ id: job1, status: 'queued', enqueuedAt: expect.any(String) });
    expect(resultOf('position of job 1')).toMatchObject({ jobId: job1, position: 1, queueId: q, queueLength: 1 });
    expect(resultOf('statistics with job 1 queued')).toMatchObject({ queueId: q, length: 1 });
    const listed = parsed('list queued voice jobs of the queue', z.array(withId));
    expect(listed.map((job) => job.id)).toEqual([job1]);
    expect(listed[0]).toMatchObject({ status: 'queued', queueId: q, channelId: 'voice' });
  });

  it('registers workers, offers the job, and filters workers by state, channel, queue and capacity', () => {
    const { queue: q, worker1: w1, worker2: w2, job1 } = run.ids;
    expect(resultOf('register worker 1')).toMatchObject({
      id: w1,
      etag: expect.any(String),
      state: 'active',
      availableForOffers: true,
      capacity: 10,
      queues: [q],
      channels: [{ channelId: 'voice', capacityCostPerJob: 10 }],
      labels: { language: 'en', level: 3, Id: w1 },
      tags: { team: 'conformance' },
    });
    const [first] = offersOf('offer of job 1 to worker 1')[w1] ?? [];
    expect(first).toMatchObject({ jobId: job1, capacityCost: 10, offeredAt: expect.any(String) });
    // offerExpiresAfterSeconds of the queue's distribution policy.
    expect(seconds(first?.expiresAt) - seconds(first?.offeredAt)).toBeCloseTo(60, 0);
    // A pending offer consumes capacity (spec §3.6, §6.4): worker 1 is full.
    expect(resultOf('get worker 1')).toMatchObject({ offers: [first], loadRatio: 1 });
    expect(idsOf('list voice workers with capacity (worker 1 is full)')).not.toContain(w1);

    // One concurrent offer per job: worker 2 gets nothing while worker 1 holds it.
    expect(resultOf('register worker 2')).toMatchObject({ id: w2, state: 'active', offers: [] });
    expect(idsOf('list active voice workers of the queue with capacity')).toEqual([w2]);
    expect(idsOf('list active workers of the queue').sort()).toEqual([w1, w2].sort());
  });

  it('declines, accepts, unassigns, accepts again, completes, closes', () => {
    const { worker1: w1, worker2: w2, job1 } = run.ids;
    resultOf('worker 1 declines job 1');
    // Declined without retryOfferAt: worker 1 is out of the running for this job (spec §6.6), worker 2 gets it.
    const afterDecline = offersOf('offer of job 1 after the decline');
    expect(afterDecline[w1]).toEqual([]);
    const [second] = afterDecline[w2] ?? [];
    expect(second).toMatchObject({ jobId: job1 });
    expect(resultOf('get worker 1 after the decline')).toMatchObject({ offers: [], loadRatio: 0 });

    const assignment = parsed('accept job 1', accepted);
    expect(assignment).toEqual({ assignmentId: expect.any(String), jobId: job1, workerId: w2 });
    expect(resultOf('get job 1 assigned')).toMatchObject({
      status: 'assigned',
      assignments: {
        [assignment.assignmentId]: {
          assignmentId: assignment.assignmentId,
          workerId: w2,
          assignedAt: expect.any(String),
        },
      },
    });
    expect(resultOf('get the worker holding job 1')).toMatchObject({
      offers: [],
      assignedJobs: [{ assignmentId: assignment.assignmentId, jobId: job1, capacityCost: 10 }],
      loadRatio: 1,
    });
    expect(idsOf('list assigned jobs')).toContain(job1);

    expect(resultOf('unassign job 1')).toEqual({ jobId: job1, unassignmentCount: 1 });
    const [third] = offersOf('offer of job 1 after the unassignment')[w2] ?? [];
    expect(third).toMatchObject({ jobId: job1 });
    expect(third?.offerId).not.toBe(second?.offerId);
    const again = parsed('accept job 1 again', accepted);
    expect(again).toMatchObject({ jobId: job1, workerId: w2 });
    expect(again.assignmentId).not.toBe(assignment.assignmentId);

    resultOf('complete job 1');
    expect(resultOf('job 1 completed')).toMatchObject({
      status: 'completed',
      assignments: { [again.assignmentId]: { completedAt: expect.any(String) } },
    });
    resultOf('close job 1');
    const closed = resultOf('job 1 closed');
    expect(closed).toMatchObject({
      status: 'closed',
      dispositionCode: 'Resolved',
      assignments: { [again.assignmentId]: { completedAt: expect.any(String), closedAt: expect.any(String) } },
    });
    const notes = (closed as { notes?: { message: string }[] }).notes ?? [];
    expect(notes.map((note) => note.message)).toEqual(
      expect.arrayContaining(['Resolved on the first call', 'Wrapped up']),
    );
  });

  it('deregisters the workers: inactive, listed as such', () => {
    const { worker1: w1, worker2: w2 } = run.ids;
    expect(resultOf('deregister worker 1')).toMatchObject({ id: w1, availableForOffers: false });
    expect(resultOf('deregister worker 2')).toMatchObject({ id: w2, availableForOffers: false });
    const polled = parsed('workers inactive', z.array(worker));
    expect(polled).toMatchObject([
      { id: w1, state: 'inactive', offers: [] },
      { id: w2, state: 'inactive', offers: [], assignedJobs: [] },
    ]);
    expect(idsOf('list inactive workers').sort()).toEqual([w1, w2].sort());
  });

  it('cancels with and without options, and reclassifies a classified job', () => {
    const { queue: q, classificationPolicy: cp, job2, job3 } = run.ids;
    expect(resultOf('create job 2')).toMatchObject({ id: job2, priority: 5 });
    // No dispositionCode given: "Cancelled" (spec §3.5).
    expect(resultOf('job 2 cancelled')).toMatchObject({ status: 'cancelled', dispositionCode: 'Cancelled' });

    const created = resultOf('create job 3 with the classification policy');
    expect(created).toMatchObject({ id: job3, classificationPolicyId: cp });
    expect(['pendingClassification', 'queued']).toContain((created as { status?: unknown }).status);
    expect(resultOf('job 3 classified and queued')).toMatchObject({ status: 'queued', queueId: q });
    resultOf('reclassify job 3');
    expect(resultOf('job 3 queued after the reclassification')).toMatchObject({ status: 'queued', queueId: q });
    expect(idsOf('list active jobs of the classification policy')).toEqual([job3]);
    const cancelled = resultOf('job 3 cancelled');
    expect(cancelled).toMatchObject({ status: 'cancelled', dispositionCode: 'Abandoned' });
    const notes = (cancelled as { notes?: { message: string }[] }).notes ?? [];
    expect(notes.map((note) => note.message)).toContain('Caller hung up');
  });

  it('schedules a job: waiting for activation, then queued by switching to queueAndMatch', () => {
    const { job4 } = run.ids;
    const created = resultOf('create job 4 scheduled 2 s ahead');
    expect(created).toMatchObject({
      id: job4,
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: expect.any(String) },
    });
    expect(['pendingSchedule', 'scheduled']).toContain((created as { status?: unknown }).status);
    const waiting = resultOf('job 4 waiting for activation');
    expect(waiting).toMatchObject({ status: 'waitingForActivation', scheduledAt: expect.any(String) });
    expect(waiting).not.toHaveProperty('enqueuedAt');
    expect(idsOf('list jobs scheduled in this run')).toContain(job4);
    expect(resultOf('activate job 4 (queueAndMatch)')).toMatchObject({
      status: 'queued',
      priority: 100,
      matchingMode: { kind: 'queueAndMatch' },
      scheduledAt: expect.any(String),
    });
    expect(resultOf('job 4 queued')).toMatchObject({ status: 'queued', enqueuedAt: expect.any(String) });
    expect(resultOf('job 4 cancelled')).toMatchObject({ status: 'cancelled' });
  });

  it('deletes the jobs (cancelled or closed) and the deregistered workers', () => {
    for (const name of [
      'delete job 1',
      'delete job 2',
      'delete job 3',
      'delete job 4',
      'delete worker 1',
      'delete worker 2',
    ])
      expect(resultOf(name)).toBeNull();
  });

  it('then deletes the classification policy, the queue and the policies, in dependency order', () => {
    for (const name of [
      'delete classification policy',
      'delete queue',
      'delete exception policy',
      'delete distribution policy',
    ])
      expect(resultOf(name)).toBeNull();
    expect(idsOf('list distribution policies after the deletion')).not.toContain(run.ids.distributionPolicy);
  });
});
