/**
 * Router events on the real servers (docs/routing.md "Events"): subscriptions through the native API, the durable
 * delivery workflow POSTing to a local HTTP receiver, signatures, order per job, retries with the same delivery id
 * (500 ×3 then 200: every event exactly once after deduplication), CloudEvents, event-type filters, rejected and
 * expired batches, the deliveries log, and the events of a job and a worker driven through the router API.
 *
 * The routing Worker of this file is its own (the stack's workers poll only `system`): the routing workflows with
 * the routing activities plus the event activities with short retry intervals, so failures retry in milliseconds.
 */
import { createHmac } from 'node:crypto';
import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import supertest from 'supertest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createRoutingActivities } from '../../activities/routing';
import { createRouterEventActivities } from '../../activities/routing/events';
import { eventSubscriptionRoutes } from '../../api/routing/event-subscriptions';
import { adminKeyGuard, bearerApiKey } from '../../api/http/auth/bearer';
import { tenantAuthentication } from '../../api/http/auth/strategy';
import { bodyParsers } from '../../api/http/body-parsers';
import { problemEnvelope } from '../../api/http/envelopes/problem';
import { mountRouteGroups } from '../../api/http/route-group';
import { blobDir } from '../../domain/paths';
import { taskQueue } from '../../domain/ids';
import type { DeliveryTuning } from '../../domain/routing/event-messages';
import { type RouterEvent, ROUTER_EVENT_TYPES } from '../../domain/routing/events';
import { FsBlobStore } from '../../storage/fs-blob-store';
import { loadWorkflowBundle } from '../../worker/bundle';
import { routerFixtures } from '../support/routing';
import { eventually, useTestStack } from '../support/stack';

/**
 * The end-to-end part (a job and a worker driven through the router API) needs the routing workflows to emit
 * events: `jobEvents` / `workerEvents` + `deliverRouterEvents` in workflows/routing/job.ts and router.ts (the wiring
 * of docs/routing.md "Events"). Set to true once that wiring is in.
 */
const EMISSION_WIRED = true;

const TUNING: Partial<DeliveryTuning> = {
  initialIntervalMs: 100,
  maximumIntervalMs: 400,
  maxAgeMs: 4_000,
  httpTimeoutMs: 2_000,
  subscriptionCacheMs: 0,
  idleMs: 60_000,
};

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  at: number;
}

/** A local HTTP receiver: records every request; `answer` decides each status (default 200). */
function receiver() {
  const requests: Received[] = [];
  const scripts = new Map<string, (count: number) => number>();
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const count = requests.filter((r) => r.path === path).length;
      const status = scripts.get(path)?.(count) ?? 200;
      requests.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
        at: Date.now(),
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  return {
    requests,
    /** Requests to `path`, in arrival order. */
    at: (path: string) => requests.filter((r) => r.path === path),
    script: (path: string, answer: (count: number) => number) => scripts.set(path, answer),
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Envelope = {
  id: string;
  eventType?: string;
  type?: string;
  subject: string;
  data: Record<string, unknown>;
} & Record<string, unknown>;
const envelopes = (request: Received): Envelope[] => JSON.parse(request.body) as Envelope[];

/** Every event once: the successful requests, one per delivery id (what a deduplicating receiver keeps). */
function deduplicated(requests: readonly Received[]): Envelope[] {
  const byDelivery = new Map<string, Envelope[]>();
  for (const request of requests) {
    if (request.status >= 300) continue;
    const id = String(request.headers['x-ccflow-delivery-id']);
    if (!byDelivery.has(id)) byDelivery.set(id, envelopes(request));
  }
  return [...byDelivery.values()].flat();
}

let seq = 0;
/** Hand-built events of one job, in order: what a job workflow would emit. */
function jobStory(jobId: string, count: number, at = Date.now()): RouterEvent[] {
  const types = [
    'RouterJobReceived',
    'RouterJobQueued',
    'RouterWorkerOfferIssued',
    'RouterWorkerOfferAccepted',
    'RouterJobCompleted',
    'RouterJobClosed',
    'RouterJobDeleted',
  ];
  return Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
    eventType: `Microsoft.Communication.${types[i % types.length]}` as RouterEvent['eventType'],
    subject: `job/${jobId}/channel/voice`,
    eventTime: new Date(at + i).toISOString(),
    data: { jobId, channelId: 'voice', step: i },
  }));
}

/** Each job's events in the order the receiver got them. */
function perJob(events: readonly Envelope[]): Map<string, number[]> {
  const lanes = new Map<string, number[]>();
  for (const event of events) {
    const jobId = String(event.data.jobId);
    lanes.set(jobId, [...(lanes.get(jobId) ?? []), Number(event.data.step)]);
  }
  return lanes;
}

describe('router events: subscriptions and durable delivery', () => {
  const { stack, tenant } = useTestStack({ env: { CCFLOW_WORKER_TASK_QUEUES: 'system' } });
  const rx = receiver();
  let base = '';
  let api: ReturnType<typeof supertest>;
  let worker: Worker;
  let running: Promise<void>;
  let connection: NativeConnection;
  let events: ReturnType<typeof createRouterEventActivities>;

  beforeAll(async () => {
    base = await rx.listen();
    const logger = pino({ level: process.env.CCFLOW_TEST_LOG ?? 'silent' });
    const deps = {
      db: stack.db,
      blobs: new FsBlobStore(blobDir(stack.config)),
      logger,
      config: stack.config,
      temporal: stack.client,
    };
    events = createRouterEventActivities(deps, { tuning: TUNING });
    connection = await NativeConnection.connect({ address: stack.env.TEMPORAL_ADDRESS ?? '' });
    worker = await Worker.create({
      connection,
      taskQueue: taskQueue('routing', stack.config.CCFLOW_TASK_QUEUE_PREFIX),
      workflowBundle: await loadWorkflowBundle('routing', require.resolve('../../workflows/routing')),
      activities: { ...createRoutingActivities(deps), ...events },
      workflowThreadPoolSize: 1,
    });
    running = worker.run();
    // The routes of the native API group; its own app until api/app.ts registers them.
    const probe = await stack.http.get('/v1/routing/event-subscriptions').set(tenant.auth);
    if (probe.status !== 404) {
      api = stack.http;
    } else {
      const app = express();
      app.use(pinoHttp({ logger }));
      mountRouteGroups(app, [
        {
          name: 'native',
          prefix: '/',
          envelope: problemEnvelope,
          parsers: [bodyParsers.json()],
          authenticate: {
            tenant: tenantAuthentication([bearerApiKey(stack.db)]),
            admin: adminKeyGuard(stack.config),
          },
          routes: eventSubscriptionRoutes({ db: stack.db, config: stack.config }),
        },
      ]);
      api = supertest(app);
    }
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await rx.close();
  });

  const subscribe = async (id: string, body: Record<string, unknown>) => {
    const response = await api.put(`/v1/routing/event-subscriptions/${id}`).set(tenant.auth).send(body);
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`PUT ${id}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response;
  };
  const deliver = (batch: RouterEvent[]) => events.deliverRouterEvents({ tenantId: tenant.id, events: batch });

  it('subscriptions: PUT creates (201) and replaces (200), GET never shows the secret, list, DELETE, 404s', async () => {
    const created = await subscribe('crud', {
      endpointUrl: `${base}/crud`,
      secret: 'a-very-secret-secret',
      eventTypes: ['RouterJobQueued', 'Microsoft.Communication.RouterJobClosed'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'crud',
      endpointUrl: `${base}/crud`,
      eventTypes: ['Microsoft.Communication.RouterJobQueued', 'Microsoft.Communication.RouterJobClosed'],
      schema: 'eventGrid',
      hasSecret: true,
    });
    expect(JSON.stringify(created.body)).not.toContain('a-very-secret-secret');
    const replaced = await subscribe('crud', { endpointUrl: `${base}/crud2`, schema: 'cloudEvents' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ endpointUrl: `${base}/crud2`, schema: 'cloudEvents', hasSecret: false });
    expect(replaced.body).not.toHaveProperty('eventTypes');
    expect(replaced.body.createdAt).toBe(created.body.createdAt);

    const got = await api.get('/v1/routing/event-subscriptions/crud').set(tenant.auth);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(replaced.body);
    const listed = await api.get('/v1/routing/event-subscriptions').set(tenant.auth);
    expect(listed.body.items).toEqual(expect.arrayContaining([replaced.body]));

    const other = await stack.newTenant('other');
    expect((await api.get('/v1/routing/event-subscriptions/crud').set(other.auth)).status).toBe(404);
    expect((await api.delete('/v1/routing/event-subscriptions/crud').set(tenant.auth)).status).toBe(204);
    const gone = await api.get('/v1/routing/event-subscriptions/crud').set(tenant.auth);
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toMatch(/problem\+json/);
    expect((await api.delete('/v1/routing/event-subscriptions/crud').set(tenant.auth)).status).toBe(404);
    expect((await api.get('/v1/routing/event-subscriptions/crud/deliveries').set(tenant.auth)).status).toBe(404);
  });

  it('refuses an unknown event type, a non-HTTP endpoint, a short secret and a bad id (400), and no key (401)', async () => {
    const bad = async (id: string, body: Record<string, unknown>) =>
      (await api.put(`/v1/routing/event-subscriptions/${id}`).set(tenant.auth).send(body)).status;
    expect(await bad('x', { endpointUrl: `${base}/x`, eventTypes: ['RouterJobAssigned'] })).toBe(400);
    expect(await bad('x', { endpointUrl: 'ftp://example.com/x' })).toBe(400);
    expect(await bad('x', { endpointUrl: `${base}/x`, secret: 'short' })).toBe(400);
    expect(await bad('x', { endpointUrl: `${base}/x`, schema: 'xml' })).toBe(400);
    expect(await bad('-x', { endpointUrl: `${base}/x` })).toBe(400);
    expect((await api.get('/v1/routing/event-subscriptions')).status).toBe(401);
  });

  it('delivers in the Event Grid schema, signed, each job in order, with a delivery id', async () => {
    const secret = 'signing-secret-0123456789';
    await subscribe('signed', { endpointUrl: `${base}/signed`, secret });
    const a = jobStory('job-a', 7);
    const b = jobStory('job-b', 7);
    const c = jobStory('job-c', 7);
    // Interleaved, one change at a time, as the job workflows would emit them.
    for (let i = 0; i < 7; i++) {
      await deliver([a[i] as RouterEvent]);
      await deliver([b[i] as RouterEvent, c[i] as RouterEvent]);
    }
    const all = [...a, ...b, ...c];
    await eventually(
      async () => (deduplicated(rx.at('/signed')).length >= all.length ? true : undefined),
      20_000,
      'all events',
    );
    const requests = rx.at('/signed');
    for (const request of requests) {
      const expected = `sha256=${createHmac('sha256', secret).update(request.body, 'utf8').digest('hex')}`;
      expect(request.headers['x-ccflow-signature']).toBe(expected);
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      expect(request.headers['aeg-event-type']).toBe('Notification');
      expect(request.headers['x-ccflow-delivery-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const received = deduplicated(requests);
    expect(received.map((e) => e.id).sort()).toEqual(all.map((e) => e.id).sort());
    for (const [, steps] of perJob(received)) expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const first = received.find((e) => e.id === a[0]?.id);
    expect(first).toEqual({
      id: a[0]?.id,
      topic: `/ccflow/tenants/${tenant.id}`,
      subject: 'job/job-a/channel/voice',
      data: a[0]?.data,
      eventType: a[0]?.eventType,
      dataVersion: '1.0',
      metadataVersion: '1',
      eventTime: a[0]?.eventTime,
    });
    // A retried fan-out (same event ids) is not delivered again.
    await deliver([a[6] as RouterEvent]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(deduplicated(rx.at('/signed')).filter((e) => e.id === a[6]?.id)).toHaveLength(1);
  });

  it('a receiver answering 500 three times, then 200, gets every event exactly once after deduplication', async () => {
    rx.script('/flaky', (count) => (count < 3 ? 500 : 200));
    await subscribe('flaky', { endpointUrl: `${base}/flaky`, secret: 'flaky-secret-0123456789' });
    const stories = ['f1', 'f2', 'f3'].map((jobId) => jobStory(jobId, 5));
    for (let i = 0; i < 5; i++) for (const story of stories) await deliver([story[i] as RouterEvent]);
    const all = stories.flat();
    await eventually(
      async () => (deduplicated(rx.at('/flaky')).length >= all.length ? true : undefined),
      20_000,
      'all events',
    );
    const requests = rx.at('/flaky');
    expect(requests.filter((r) => r.status === 500)).toHaveLength(3);
    // Each failed batch came again with the same delivery id and the same bytes.
    for (const failed of requests.filter((r) => r.status === 500)) {
      const retry = requests.find(
        (r) => r.status === 200 && r.headers['x-ccflow-delivery-id'] === failed.headers['x-ccflow-delivery-id'],
      );
      expect(retry?.body).toBe(failed.body);
      expect(Number(retry?.headers['aeg-delivery-count'])).toBeGreaterThan(0);
    }
    const received = deduplicated(requests);
    const ids = received.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(all.map((e) => e.id).sort());
    for (const [, steps] of perJob(received)) expect(steps).toEqual([0, 1, 2, 3, 4]);

    const log = await eventually(
      async () => {
        const response = await api.get('/v1/routing/event-subscriptions/flaky/deliveries').set(tenant.auth);
        const items = response.body.items as { outcome: string; eventCount: number }[];
        const delivered = items.filter((i) => i.outcome === 'delivered').reduce((n, i) => n + i.eventCount, 0);
        return delivered >= all.length ? response.body : undefined;
      },
      10_000,
      'the deliveries log',
    );
    const failures = log.failures as { outcome: string; status: number; attempt: number; nextRetryAt?: string }[];
    expect(failures).toHaveLength(3);
    for (const failure of failures) {
      expect(failure).toMatchObject({ outcome: 'failed', status: 500 });
      expect(failure.nextRetryAt).toBeDefined();
    }
  });

  it('CloudEvents 1.0 when the subscription asks for it, and only the event types it lists', async () => {
    await subscribe('cloud', {
      endpointUrl: `${base}/cloud`,
      schema: 'cloudEvents',
      eventTypes: ['RouterJobQueued', 'RouterJobClosed'],
    });
    const story = jobStory('cloud-job', 7);
    for (const event of story) await deliver([event]);
    const wanted = story.filter((e) =>
      ['Microsoft.Communication.RouterJobQueued', 'Microsoft.Communication.RouterJobClosed'].includes(e.eventType),
    );
    await eventually(
      async () => (deduplicated(rx.at('/cloud')).length >= wanted.length ? true : undefined),
      20_000,
      'the events',
    );
    const requests = rx.at('/cloud');
    expect(requests[0]?.headers['content-type']).toMatch(/^application\/cloudevents-batch\+json/);
    expect(requests[0]?.headers['x-ccflow-signature']).toBeUndefined();
    const received = deduplicated(requests);
    expect(received.map((e) => e.type)).toEqual(wanted.map((e) => e.eventType));
    expect(received[0]).toEqual({
      specversion: '1.0',
      id: wanted[0]?.id,
      source: `/ccflow/tenants/${tenant.id}`,
      type: 'Microsoft.Communication.RouterJobQueued',
      subject: 'job/cloud-job/channel/voice',
      time: wanted[0]?.eventTime,
      datacontenttype: 'application/json',
      data: wanted[0]?.data,
    });
  });

  it('a 400 drops the batch at once; a receiver down past the retry window gets its events dropped and logged', async () => {
    rx.script('/rejecting', () => 400);
    rx.script('/down', () => 503);
    await subscribe('rejecting', { endpointUrl: `${base}/rejecting` });
    await subscribe('down', { endpointUrl: `${base}/down` });
    const story = jobStory('doomed', 2);
    await deliver(story);
    const deliveries = (id: string) => api.get(`/v1/routing/event-subscriptions/${id}/deliveries`).set(tenant.auth);
    const rejected = await eventually(
      async () => {
        const body = (await deliveries('rejecting')).body as { failures: { outcome: string; status?: number }[] };
        return body.failures.length > 0 ? body.failures : undefined;
      },
      10_000,
      'the rejection',
    );
    expect(rejected[0]).toMatchObject({ outcome: 'dropped', status: 400 });
    const dropped = await eventually(
      async () => {
        const body = (await deliveries('down')).body as {
          failures: { outcome: string; error?: string; eventIds: string[] }[];
        };
        return body.failures.find((f) => f.outcome === 'dropped');
      },
      20_000,
      'the drop',
    );
    expect(dropped.error).toMatch(/not delivered within/);
    expect(dropped.eventIds.sort()).toEqual(story.map((e) => e.id).sort());
    // Retried (with backoff) until the window closed; never again after.
    const attempts = rx.at('/down').length;
    expect(attempts).toBeGreaterThan(2);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(rx.at('/down').length).toBe(attempts);
    expect(rx.at('/rejecting')).toHaveLength(1);
  });

  (EMISSION_WIRED ? it : it.skip)(
    'a job and a worker driven through the router API reach the subscriber, each job in order',
    async () => {
      const r = routerFixtures(stack, tenant);
      const secret = 'e2e-secret-0123456789abcdef';
      await subscribe('e2e', { endpointUrl: `${base}/e2e`, secret });
      const { queueId } = await r.queue({ offerExpiresAfterSeconds: 60 });
      const workerId = r.id('w');
      expect(
        (
          await r.patch(`/workers/${workerId}`, {
            capacity: 1,
            queues: [queueId],
            channels: [{ channelId: 'voice', capacityCostPerJob: 1 }],
            availableForOffers: true,
          })
        ).status,
      ).toBe(201);
      const jobId = r.id('job');
      expect(
        (await r.patch(`/jobs/${jobId}`, { channelId: 'voice', queueId, channelReference: 'call-1' })).status,
      ).toBe(201);
      const { offerId } = await r.waitForOffer(jobId, [workerId]);
      const accepted = await r.post(`/workers/${workerId}/offers/${offerId}:accept`);
      const assignmentId = String(accepted.body.assignmentId);
      expect((await r.post(`/jobs/${jobId}/assignments/${assignmentId}:complete`, {})).status).toBe(200);
      expect(
        (await r.post(`/jobs/${jobId}/assignments/${assignmentId}:close`, { dispositionCode: 'Resolved' })).status,
      ).toBe(200);
      expect((await r.del(`/jobs/${jobId}`)).status).toBe(204);
      await r.waitForWorker(workerId, (w) => w.assignedJobs.length === 0);
      expect((await r.patch(`/workers/${workerId}`, { availableForOffers: false })).status).toBe(200);
      await r.waitForWorker(workerId, (w) => w.state === 'inactive');
      expect((await r.del(`/workers/${workerId}`)).status).toBe(204);

      const jobTypes = [
        'RouterJobReceived',
        'RouterJobQueued',
        'RouterWorkerOfferIssued',
        'RouterWorkerOfferAccepted',
        'RouterJobCompleted',
        'RouterJobClosed',
        'RouterJobDeleted',
      ].map((n) => `Microsoft.Communication.${n}`);
      const workerTypes = ['RouterWorkerRegistered', 'RouterWorkerDeregistered', 'RouterWorkerDeleted'].map(
        (n) => `Microsoft.Communication.${n}`,
      );
      const received = await eventually(
        async () => {
          const all = deduplicated(rx.at('/e2e'));
          const ofJob = all.filter((e) => e.data.jobId === jobId);
          const ofWorker = all.filter((e) => e.data.workerId === workerId && e.data.jobId === undefined);
          return ofJob.length >= jobTypes.length && ofWorker.length >= workerTypes.length
            ? { ofJob, ofWorker }
            : undefined;
        },
        20_000,
        'the job and worker events',
      );
      for (const request of rx.at('/e2e')) {
        expect(request.headers['x-ccflow-signature']).toBe(
          `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`,
        );
      }
      expect(received.ofJob.map((e) => e.eventType)).toEqual(jobTypes);
      expect(received.ofWorker.map((e) => e.eventType)).toEqual(workerTypes);
      expect(received.ofJob[0]?.data).toMatchObject({
        jobId,
        channelReference: 'call-1',
        jobStatus: 'Queued',
        queueId,
      });
      expect(received.ofJob[3]?.data).toMatchObject({ workerId, offerId, assignmentId });
      expect(received.ofJob[5]?.data).toMatchObject({ assignmentId, workerId, dispositionCode: 'Resolved' });
      expect(ROUTER_EVENT_TYPES).toEqual(expect.arrayContaining([...jobTypes, ...workerTypes]));
    },
  );
});
