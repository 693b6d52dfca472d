/**
 * Router lists on a large tenant (issue 9; target p95 ≤ 50 ms): `GET /routing/jobs?status=queued&maxpagesize=50` and
 * `GET /routing/workers?hasCapacity=true` with `--routing-jobs` (50,000) jobs and `--routing-list-workers` (1,000)
 * workers stored for one tenant.
 *
 * Seeding (outside the timing): running 50,000 jobs through their workflows would take hours, so the read model is
 * written directly, through the production writers the routing activities call — `db.routing.putView` for each job
 * and worker document and `db.routingIndex.apply` for the list indexes (in batches of 1000, one writer, as the
 * tenant's router writes them). The documents are copies of real ones: a template tenant runs one job to `closed`,
 * one to `assigned` and leaves one `queued` through the API, and its worker is read busy and idle. Jobs: 90 % closed,
 * 5 % queued, 5 % assigned, spread through the index by a fixed pseudo-random draw; workers: 30 % with free capacity
 * (index summary `{state, queues, channels, freeChannels}` as the router writes it). The list tenant has no router
 * workflow, so nothing else writes its index.
 *
 * Measured, one client in the bench process over real HTTP (keep-alive), each URL 20 warm-up + `--routing-requests`
 * (200) requests in a row, every response checked (exactly the expected ids, in index order, and a nextLink): the
 * two first pages, and pages 2–6 of each reached through `nextLink` (the walk repeated until as many requests). The
 * p95 compared with the target is the worst of the four. Baseline: `GET /routing/jobs/{id}` (authentication + one read
 * by `_id`), the floor of any request.
 *
 * With `--routing-queued-newest=N` (no target): the same job list when the queued jobs are the newest ones — at the
 * end of the index, after 90 % closed ones, as in a contact center whose old jobs are done — on a second tenant of N
 * jobs (index entries for every job, documents for the open ones only: a status=queued list reads no other): how many
 * requests a client needs, following `nextLink` (each request examines at most 2048 index entries), before it has a
 * first page of 50.
 */
import { performance } from 'node:perf_hooks';
import { createTenantWithKey } from '../../db/api-keys';
import { mapBounded } from '../../db/bounded';
import { resourceDocId } from '../../db/routing/resources';
import { computeEtag } from '../../domain/routing/wire';
import { type BenchContext, type Benchmark, chunks } from '../benchmark';
import { percentile, summarize } from '../load/page-load';
import { type BenchResult, log, round, seconds } from '../report';
import { holdingsOf, offersOf, RouterHttp, sleep, stringField } from '../routing/http';
import type { RoutingOptions } from '../routing/options';
import { CHANNEL, routingTenant } from '../routing/setup';
import type { BenchStack } from '../stack';

const TARGET_P95_MS = 50;
const JOB_PAGE = 50;
/** The server's default page size (api/routing/responses.ts), which a request without maxpagesize gets. */
const WORKER_PAGE = 20;
const WARM_UP = 20;
const WALK_PAGES = 5;
const INDEX_BATCH = 1000;
const WRITES_IN_FLIGHT = 16;
/** A stored resource document of db/routing/resources.ts (its other fields are copied as they were written). */
interface ResourceDoc {
  _id: string;
  [field: string]: unknown;
}
/** db/routing/resources.ts's collection. */
const RESOURCES_COLLECTION = 'routing_resources';
const TARGET = `p95 ≤ ${TARGET_P95_MS} ms`;

type JobStatus = 'closed' | 'queued' | 'assigned';

interface Templates {
  jobs: Record<JobStatus, Record<string, unknown>>;
  busyWorker: Record<string, unknown>;
  queueId: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what} is not a JSON object`);
  return value;
}

/** A deterministic pseudo-random sequence in [0, 1) (the same layout on every run). */
function draw(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Real documents to copy: a job closed, one assigned, one queued, and their worker, made through the API. */
async function templates(bench: BenchStack): Promise<Templates> {
  const tenant = await routingTenant(bench, 'Routing lists: templates', 1);
  const api = new RouterHttp({ baseUrl: bench.baseUrl, apiKey: tenant.apiKey, sockets: 2, timeoutMs: 30_000 });
  const [workerId] = tenant.workerIds;
  const workerPath = `/workers/${workerId ?? ''}`;
  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`templates: ${what} not within 30 s`);
      await sleep(20);
    }
  };
  const worker = async () => (await api.get('template', workerPath)).body;
  const job = async (jobId: string) => record((await api.get('template', `/jobs/${jobId}`)).body, `job ${jobId}`);
  const create = async (jobId: string) =>
    api.patch('template', `/jobs/${jobId}`, { channelId: CHANNEL, queueId: tenant.queueId, priority: 1 });
  const accept = async (jobId: string) => {
    const offered = await until(worker, (w) => offersOf(w).some((o) => o.jobId === jobId), `the offer of ${jobId}`);
    const offer = offersOf(offered).find((o) => o.jobId === jobId);
    const accepted = await api.post('template', `${workerPath}/offers/${offer?.offerId ?? ''}:accept`);
    return stringField(accepted.body, 'assignmentId');
  };
  try {
    await create('template-closed');
    const assignment = await accept('template-closed');
    await api.post('template', `/jobs/template-closed/assignments/${assignment}:complete`, { note: 'done' });
    await api.post('template', `/jobs/template-closed/assignments/${assignment}:close`, {
      dispositionCode: 'Resolved',
    });
    await until(worker, (w) => holdingsOf(w) === 0, 'the worker free again');
    await create('template-assigned');
    await accept('template-assigned');
    await create('template-queued');
    const queued = await until(
      () => job('template-queued'),
      (j) => j.status === 'queued',
      'a queued job',
    );
    const busyWorker = record(
      await until(worker, (w) => holdingsOf(w) === 1 && offersOf(w).length === 0, 'the worker busy'),
      'worker',
    );
    return {
      jobs: {
        closed: await until(
          () => job('template-closed'),
          (j) => j.status === 'closed',
          'the closed job',
        ),
        assigned: await until(
          () => job('template-assigned'),
          (j) => j.status === 'assigned',
          'the assigned job',
        ),
        queued,
      },
      busyWorker,
      queueId: tenant.queueId,
    };
  } finally {
    api.close();
  }
}

const jobId = (n: number): string => `job-${String(n).padStart(6, '0')}`;
const workerId = (n: number): string => `agent-${String(n).padStart(5, '0')}`;

interface Seeded {
  tenantId: string;
  apiKey: string;
  /** Job ids in index order, by status. */
  jobs: Record<JobStatus, string[]>;
  /** Worker ids with free capacity, in index order. */
  freeWorkers: string[];
  seedS: number;
}

/** The status of job n: scattered (fixed pseudo-random draw) or clustered (closed first, then assigned, queued). */
function layout(count: number, clustered: boolean): JobStatus[] {
  const random = draw(20261130);
  return Array.from({ length: count }, (_, n) => {
    if (clustered) return n < count * 0.9 ? 'closed' : n < count * 0.95 ? 'assigned' : 'queued';
    const r = random();
    return r < 0.9 ? 'closed' : r < 0.95 ? 'queued' : 'assigned';
  });
}

/**
 * Job documents and index entries. The documents: the first through `db.routing.putView` (the production writer),
 * the others inserted in batches as copies of the document it wrote (same fields, their own id, body and ETag) —
 * 50,000 putViews (a read and an upsert each) take FerretDB minutes — then a sample read back through
 * `db.routing.get`. The index: `db.routingIndex.apply` in batches, one writer, as the router writes it.
 */
async function seedJobs(
  bench: BenchStack,
  tenantId: string,
  statuses: readonly JobStatus[],
  t: Templates,
  docsFor: (status: JobStatus) => boolean,
): Promise<{ byStatus: Record<JobStatus, string[]>; docsS: number; indexS: number }> {
  const byStatus: Record<JobStatus, string[]> = { closed: [], queued: [], assigned: [] };
  const now = Date.now();
  const t0 = performance.now();
  const docs = statuses.flatMap((status, n) => (docsFor(status) ? [{ id: jobId(n), status }] : []));
  const viewOf = (id: string, status: JobStatus) => {
    const resource = { ...t.jobs[status], id };
    const etag = computeEtag(resource);
    return { resource: { ...resource, etag }, etag, updatedAt: now, version: 1 };
  };
  const [first, ...rest] = docs;
  if (first) {
    await bench.db.routing.putView(tenantId, 'jobs', first.id, viewOf(first.id, first.status));
    const collection = bench.db.connection.db?.collection<ResourceDoc>(RESOURCES_COLLECTION);
    if (!collection) throw new Error('database connection is not open');
    const written = await collection.findOne({ _id: resourceDocId(tenantId, 'jobs', first.id) });
    if (!written) throw new Error('putView wrote no document');
    for (const batch of chunks(rest, INDEX_BATCH)) {
      await collection.insertMany(
        batch.map(({ id, status }) => {
          const view = viewOf(id, status);
          return {
            ...written,
            _id: resourceDocId(tenantId, 'jobs', id),
            id,
            body: JSON.stringify(view.resource),
            etag: view.etag,
          };
        }),
        { ordered: false },
      );
    }
    for (const { id, status } of docs.filter((_, i) => i % Math.ceil(docs.length / 10) === 0)) {
      const stored = await bench.db.routing.get(tenantId, 'jobs', id);
      if (JSON.stringify(stored?.resource) !== JSON.stringify(viewOf(id, status).resource)) {
        throw new Error(`seeded job ${id} does not read back as written`);
      }
    }
  }
  const t1 = performance.now();
  const changes = statuses.map((status, n) => {
    byStatus[status].push(jobId(n));
    return { id: jobId(n), summary: { status, channelId: CHANNEL, queueId: t.queueId } };
  });
  for (const batch of chunks(changes, INDEX_BATCH)) await bench.db.routingIndex.apply(tenantId, 'jobs', batch);
  return { byStatus, docsS: (t1 - t0) / 1000, indexS: (performance.now() - t1) / 1000 };
}

async function seedWorkers(bench: BenchStack, tenantId: string, count: number, t: Templates): Promise<string[]> {
  const random = draw(7);
  const free: string[] = [];
  const now = Date.now();
  const workers = Array.from({ length: count }, (_, n) => ({ id: workerId(n), hasCapacity: random() < 0.3 }));
  await mapBounded(workers, WRITES_IN_FLIGHT, async ({ id, hasCapacity }) => {
    const labels = { ...record(t.busyWorker.labels ?? {}, 'worker labels'), Id: id };
    const base = { ...t.busyWorker, id, labels };
    const resource = hasCapacity ? { ...base, state: 'active', offers: [], assignedJobs: [], loadRatio: 0 } : base;
    const etag = computeEtag(resource);
    await bench.db.routing.putView(tenantId, 'workers', id, {
      resource: { ...resource, etag },
      etag,
      updatedAt: now,
      version: 1,
    });
  });
  const changes = workers.map(({ id, hasCapacity }) => {
    if (hasCapacity) free.push(id);
    return {
      id,
      summary: {
        state: 'active',
        queues: [t.queueId],
        channels: [CHANNEL],
        freeChannels: hasCapacity ? [CHANNEL] : [],
      },
    };
  });
  for (const batch of chunks(changes, INDEX_BATCH)) await bench.db.routingIndex.apply(tenantId, 'workers', batch);
  return free;
}

interface ListBody {
  value: { id: string }[];
  nextLink?: string;
}

function listBody(body: unknown, what: string): ListBody {
  const parsed = record(body, what);
  if (!Array.isArray(parsed.value)) throw new Error(`${what}: no value[]`);
  const value = parsed.value.map((item: unknown, i) => {
    const id = isRecord(item) ? item.id : undefined;
    if (typeof id !== 'string') throw new Error(`${what}: item ${i} has no id`);
    return { id };
  });
  return typeof parsed.nextLink === 'string' ? { value, nextLink: parsed.nextLink } : { value };
}

/** Checks a page: exactly `expected` (in order), and a nextLink when more follow. */
function checkPage(page: ListBody, expected: readonly string[], more: boolean, what: string): void {
  const ids = page.value.map((item) => item.id);
  if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
    throw new Error(
      `${what}: listed ${ids.length} items [${ids.slice(0, 3).join(', ')}…], expected ${expected.length} [${expected.slice(0, 3).join(', ')}…]`,
    );
  }
  if (more && !page.nextLink) throw new Error(`${what}: no nextLink`);
}

interface Scenario {
  name: string;
  stats: ReturnType<typeof summarize>;
}

async function run({ bench }: BenchContext, options: RoutingOptions): Promise<BenchResult> {
  log('routing-lists: template documents from real jobs and a real worker');
  const t = await templates(bench);
  const tenant = await createTenantWithKey(bench.db, 'Routing lists: large');
  const seededJobs = await seedJobs(bench, tenant.tenantId, layout(options.jobs, false), t, () => true);
  const jobs = seededJobs.byStatus;
  const jobsS = seededJobs.docsS + seededJobs.indexS;
  log(
    `routing-lists: seeded ${options.jobs} jobs: documents ${seededJobs.docsS.toFixed(1)} s, ` +
      `index ${seededJobs.indexS.toFixed(1)} s`,
  );
  const t1 = performance.now();
  const freeWorkers = await seedWorkers(bench, tenant.tenantId, options.listWorkers, t);
  const workersS = (performance.now() - t1) / 1000;
  log(
    `routing-lists: seeded ${options.listWorkers} workers (${freeWorkers.length} with capacity) in ${workersS.toFixed(1)} s`,
  );
  const seeded: Seeded = {
    tenantId: tenant.tenantId,
    apiKey: tenant.apiKey,
    jobs,
    freeWorkers,
    seedS: jobsS + workersS,
  };

  const api = new RouterHttp({ baseUrl: bench.baseUrl, apiKey: seeded.apiKey, sockets: 1, timeoutMs: 30_000 });
  const scenarios: Scenario[] = [];
  try {
    const measure = async (name: string, request: () => Promise<number>): Promise<void> => {
      const ms: number[] = [];
      for (let i = 0; i < WARM_UP + options.requests; i += 1) {
        const took = await request();
        if (i >= WARM_UP) ms.push(took);
      }
      const stats = summarize(ms);
      scenarios.push({ name, stats });
      log(`routing-lists: ${name}: p50 ${stats.p50} ms, p95 ${stats.p95} ms, max ${stats.max} ms`);
    };
    const firstPage = async (path: string, expected: readonly string[], more: boolean, what: string) => {
      const res = await api.get('list', path);
      const page = listBody(res.body, what);
      checkPage(page, expected, more, what);
      return { ms: res.ms, page };
    };

    const queued = seeded.jobs.queued;
    const jobsPath = `/jobs?status=queued&maxpagesize=${JOB_PAGE}`;
    const jobsFirst = () => firstPage(jobsPath, queued.slice(0, JOB_PAGE), queued.length > JOB_PAGE, 'jobs page 1');
    const workersPath = '/workers?hasCapacity=true';
    const workersFirst = () =>
      firstPage(workersPath, freeWorkers.slice(0, WORKER_PAGE), freeWorkers.length > WORKER_PAGE, 'workers page 1');
    /** Pages 2.. of a list through nextLink, each checked; returns each page's time. */
    const walk = async (first: () => Promise<{ page: ListBody }>, all: readonly string[], size: number) => {
      let { page } = await first();
      const times: number[] = [];
      for (let n = 1; n <= WALK_PAGES && page.nextLink; n += 1) {
        const res = await api.getLink('list', page.nextLink);
        page = listBody(res.body, `page ${n + 1}`);
        checkPage(page, all.slice(n * size, (n + 1) * size), all.length > (n + 1) * size, `page ${n + 1}`);
        times.push(res.ms);
      }
      return times;
    };
    const walked = async (
      name: string,
      first: () => Promise<{ page: ListBody }>,
      all: readonly string[],
      size: number,
    ) => {
      const ms: number[] = [];
      while (ms.length < WARM_UP + options.requests) ms.push(...(await walk(first, all, size)));
      const stats = summarize(ms.slice(WARM_UP, WARM_UP + options.requests));
      scenarios.push({ name, stats });
      log(`routing-lists: ${name}: p50 ${stats.p50} ms, p95 ${stats.p95} ms, max ${stats.max} ms`);
    };

    await measure(`GET ${jobsPath}`, async () => (await jobsFirst()).ms);
    await walked(`jobs status=queued pages 2–${WALK_PAGES + 1} via nextLink`, jobsFirst, queued, JOB_PAGE);
    await measure(`GET ${workersPath}`, async () => (await workersFirst()).ms);
    await walked(
      `workers hasCapacity=true pages 2–${WALK_PAGES + 1} via nextLink`,
      workersFirst,
      freeWorkers,
      WORKER_PAGE,
    );

    const one = seeded.jobs.queued[0] ?? '';
    const floor: number[] = [];
    for (let i = 0; i < WARM_UP + options.requests; i += 1) {
      const res = await api.get('one', `/jobs/${one}`);
      if (record(res.body, 'job').id !== one) throw new Error(`GET /jobs/${one} answered another job`);
      if (i >= WARM_UP) floor.push(res.ms);
    }
    const baseline = summarize(floor);
    log(`routing-lists: GET /jobs/{id} (baseline): p50 ${baseline.p50} ms, p95 ${baseline.p95} ms`);
    if (api.errors > 0) throw new Error(`${api.errors} requests failed`);

    const serverSplit = await splitOf(bench, seeded);
    const clustered = options.queuedNewest > 0 ? await clusteredScenario(bench, options.queuedNewest, t) : undefined;
    const worst = Math.max(...scenarios.map((s) => s.stats.p95));
    return {
      name: `router lists, ${options.jobs} jobs and ${options.listWorkers} workers of one tenant (seeded into the read model)`,
      status: 'ok',
      unit: 'ms',
      measured: round(worst, 1),
      measuredLabel: `worst p95 of ${scenarios.length} cases, ${options.requests} requests each over HTTP (ms): ${scenarios.map((s) => `${s.name} p50 ${s.stats.p50} / p95 ${s.stats.p95}`).join('; ')}`,
      baseline: baseline.p95,
      baselineLabel: `p95 of GET /routing/jobs/{id}: authentication + one read by _id, ${options.requests} requests`,
      ratio: round(worst / baseline.p95),
      target: TARGET,
      met: worst <= TARGET_P95_MS,
      details: {
        seeded: {
          jobs: options.jobs,
          byStatus: Object.fromEntries(Object.entries(seeded.jobs).map(([status, ids]) => [status, ids.length])),
          workers: options.listWorkers,
          withCapacity: freeWorkers.length,
          seedJobDocumentsS: round(seededJobs.docsS, 1),
          seedJobIndexS: round(seededJobs.indexS, 1),
          seedWorkersS: round(workersS, 1),
        },
        ...Object.fromEntries(scenarios.map((s) => [s.name, s.stats])),
        'GET /routing/jobs/{id} (baseline)': baseline,
        serverSplit,
        ...(clustered ? { queuedNewestNoTarget: clustered } : {}),
      },
    };
  } finally {
    api.close();
  }
}

/**
 * Where a first page's time goes on the server, measured in the bench process (which serves the API) with the calls
 * the list handlers make, 50 times each: the index scan (`db.routingIndex.scan`, limit = page size, at most 2048
 * entries examined, as api/routing/jobs.ts and workers.ts ask) and the page's documents read by `_id`
 * (`db.routing.get`, 8 in flight, as the handlers read them). The rest of a request is HTTP, authentication and JSON.
 */
async function splitOf(bench: BenchStack, seeded: Seeded) {
  const times = async (work: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 55; i += 1) {
      const t0 = performance.now();
      await work();
      if (i >= 5) ms.push(performance.now() - t0);
    }
    return summarize(ms);
  };
  const { tenantId } = seeded;
  const split = {
    jobsScan: await times(() =>
      bench.db.routingIndex.scan(tenantId, 'jobs', {
        limit: JOB_PAGE,
        maxExamined: 2048,
        match: (summary) => summary.status === 'queued',
      }),
    ),
    jobsRead: await times(() =>
      mapBounded(seeded.jobs.queued.slice(0, JOB_PAGE), 8, (id) => bench.db.routing.get(tenantId, 'jobs', id)),
    ),
    workersScan: await times(() =>
      bench.db.routingIndex.scan(tenantId, 'workers', {
        limit: WORKER_PAGE,
        maxExamined: 2048,
        match: (summary) => Array.isArray(summary.freeChannels) && summary.freeChannels.length > 0,
      }),
    ),
    workersRead: await times(() =>
      mapBounded(seeded.freeWorkers.slice(0, WORKER_PAGE), 8, (id) => bench.db.routing.get(tenantId, 'workers', id)),
    ),
  };
  log(
    `routing-lists: server split (p50/p95 ms): jobs scan ${split.jobsScan.p50}/${split.jobsScan.p95}, ` +
      `${JOB_PAGE} job reads ${split.jobsRead.p50}/${split.jobsRead.p95}; workers scan ${split.workersScan.p50}/` +
      `${split.workersScan.p95}, ${WORKER_PAGE} worker reads ${split.workersRead.p50}/${split.workersRead.p95}`,
  );
  return split;
}

/**
 * The queued jobs newest (end of the index): requests and time a client needs, following nextLink, until it holds
 * the first 50 queued jobs; repeated to get a p95 of those requests too.
 */
async function clusteredScenario(bench: BenchStack, count: number, t: Templates) {
  const tenant = await createTenantWithKey(bench.db, 'Routing lists: queued newest');
  const t0 = performance.now();
  const statuses = layout(count, true);
  const { byStatus: jobs } = await seedJobs(bench, tenant.tenantId, statuses, t, (status) => status !== 'closed');
  log(`routing-lists: seeded ${count} index entries (queued newest) in ${seconds(performance.now() - t0)}`);
  const api = new RouterHttp({ baseUrl: bench.baseUrl, apiKey: tenant.apiKey, sockets: 1, timeoutMs: 30_000 });
  const expected = jobs.queued.slice(0, JOB_PAGE);
  const rounds: { requests: number; ms: number }[] = [];
  const each: number[] = [];
  try {
    for (let r = 0; r < 6; r += 1) {
      const got: string[] = [];
      let requests = 0;
      let ms = 0;
      let res = await api.get('list', `/jobs?status=queued&maxpagesize=${JOB_PAGE}`);
      for (;;) {
        requests += 1;
        ms += res.ms;
        each.push(res.ms);
        const page = listBody(res.body, 'queued-newest page');
        got.push(...page.value.map((item) => item.id));
        if (got.length >= JOB_PAGE || !page.nextLink) break;
        res = await api.getLink('list', page.nextLink);
      }
      if (got.slice(0, JOB_PAGE).join() !== expected.join())
        throw new Error('queued-newest: not the first 50 queued jobs');
      if (r > 0) rounds.push({ requests, ms }); // the first round warms up
    }
  } finally {
    api.close();
  }
  const walkMs = rounds.map((round) => round.ms);
  const result = {
    requestsToFirst50: rounds[0]?.requests ?? 0,
    walkMs: { p50: round(percentile(walkMs, 50), 1), max: round(Math.max(...walkMs), 1) },
    perRequest: summarize(each),
  };
  log(
    `routing-lists: queued newest: ${result.requestsToFirst50} requests (nextLink) to the first ${JOB_PAGE} queued jobs, ` +
      `${result.walkMs.p50} ms in all; per request p50 ${result.perRequest.p50} ms, p95 ${result.perRequest.p95} ms`,
  );
  return result;
}

export function routingListsBenchmark(options: RoutingOptions): Benchmark {
  return {
    id: 'routing-lists',
    label: 'router lists on a large tenant',
    unit: 'ms',
    target: TARGET,
    run: (context) => run(context, options),
  };
}
