/**
 * OutboundBot `ListJobs` of 99 ids on a large instance (issue 11; target p50 ≤ 20 ms and ratio ≤ 2 to the bare driver
 * reading the same 99 documents): `--outbound-jobs` (10,000) jobs stored for one tenant's instance, each with 3 tasks
 * and a 10-line conversation per task (bench/outbound/jobs.ts).
 *
 * Seeding (outside the timing): running 10,000 jobs through three call attempts each would take hours, so the read
 * model is written directly through its production writer, `db.outboundJobs.insertMany` (what AssignJobs calls), in
 * batches of 500, with schema-valid JobViews; the instance record through `db.outbound.instances.put` (ListJobs
 * answers NotExist.Instance without it). A sample is read back through `db.outboundJobs.get`.
 *
 * Measured, one client in the bench process over real HTTP (keep-alive, Bearer API key): `POST /?Action=ListJobs&
 * Version=2019-12-26&InstanceId=…&JobId.1=…&…&JobId.99=…` with a fresh pseudo-random set of 99 distinct ids each time
 * (seeded), 20 warm-up + `--outbound-requests` (200) requests, every response checked (200, exactly the 99 jobs asked,
 * in the order asked, 3 tasks each). Baseline, in the same loop on the same 99 ids (the order of the methods rotates
 * each round, so that none is always the one that finds FerretDB's cache warm): the bare MongoDB driver reading those
 * 99 documents of `outbound_jobs` by `_id`, projected to the body the API sends, as `find({_id: {$in: ids}})` and as
 * 99 parallel `findOne({_id})`; the faster p50 is the baseline. Also in the loop: `DescribeJob` of the first of them
 * (HTTP, authentication, the instance check and one read by `_id`), the floor of any job read. Each method is probed 3 times
 * first: one whose 200 requests would take over 2 minutes (FerretDB may answer `$in` by scanning the collection) is
 * measured fewer times (at least 10, within that budget; its `n` is in the figures).
 *
 * Then, to say where a request's time goes, the server's own steps timed in the bench process (which serves the API):
 * `db.outboundJobs.getMany` (the handler's read: 25 `findById` in flight, each body parsed by the JobView schema)
 * interleaved with two candidates (all 99 reads in flight, with the schema parse or with JSON.parse only), and the
 * CPU-only parts (JSON.parse + schema parse of 99 bodies, JSON.stringify of the response).
 */
import { performance } from 'node:perf_hooks';
import { createTenantWithKey } from '../../db/api-keys';
import { jobViewSchema } from '../../domain/outbound/records';
import { listedJob } from '../../api/outbound/jobs';
import { type BenchContext, type Benchmark, connectDriver } from '../benchmark';
import { summarize } from '../load/page-load';
import { type BenchResult, log, round } from '../report';
import { instanceRecord, type JobContext, jobWrites, prng, uuidLike } from '../outbound/jobs';
import type { OutboundOptions } from '../outbound/options';
import { isRecord, OutboundRpc, repeatParams, RpcError } from '../outbound/rpc';
import type { BenchStack } from '../stack';

const TARGET_P50_MS = 20;
const TARGET_RATIO = 2;
const TARGET = `p50 ≤ ${TARGET_P50_MS} ms and ratio ≤ ${TARGET_RATIO}`;
/** ListJobs' maximum (metadata `maxItems: 99`). */
const IDS_PER_REQUEST = 99;
const WARM_UP = 20;
const SEED_BATCH = 500;
const TASKS_PER_JOB = 3;
const PROBE_RUNS = 3;
/** Time a slow method may take (its probe × the requests above this: fewer samples, at least MIN_SLOW_SAMPLES). */
const SLOW_BUDGET_MS = 120_000;
const MIN_SLOW_SAMPLES = 10;
/** Rounds of each server-side step (after 5 warm-up ones). */
const SPLIT_ROUNDS = 50;
/** db/outbound/jobs.ts's collection, and its `_id` (`{tenantId}/{jobId}`, not exported there). */
const JOBS_COLLECTION = 'outbound_jobs';
const docId = (tenantId: string, jobId: string): string => `${tenantId}/${jobId}`;

interface JobDoc {
  _id: string;
  body: string;
}

interface Seeded {
  tenantId: string;
  apiKey: string;
  instanceId: string;
  jobIds: string[];
  seedS: number;
  insertS: number;
  bodyBytes: { mean: number; max: number };
}

async function seed(bench: BenchStack, options: OutboundOptions): Promise<Seeded> {
  const tenant = await createTenantWithKey(bench.db, 'Outbound ListJobs');
  const random = prng(20261130);
  const ctx: JobContext = {
    tenantId: tenant.tenantId,
    instanceId: uuidLike(random, 1),
    jobGroupId: uuidLike(random, 2),
    scenarioId: uuidLike(random, 3),
    strategyId: uuidLike(random, 4),
    chatbotId: `chatbot-cn-${uuidLike(random, 5).slice(0, 13)}`,
    callingNumbers: ['02160001234', '02160001235'],
    now: Date.now(),
  };
  await bench.db.outbound.instances.put(tenant.tenantId, instanceRecord(ctx, 'ListJobs benchmark'));
  const t0 = performance.now();
  let insertMs = 0;
  const jobIds: string[] = [];
  let bytes = 0;
  let maxBytes = 0;
  // Ten jobs read back afterwards through the production reader: what the API parses is what was generated.
  const check = prng(7);
  const samples = new Map(Array.from({ length: 10 }, () => [Math.floor(check() * options.jobs), '']));
  for (let from = 0; from < options.jobs; from += SEED_BATCH) {
    const writes = jobWrites(ctx, from, Math.min(from + SEED_BATCH, options.jobs), random);
    for (const write of writes) {
      jobIds.push(write.view.JobId);
      const text = JSON.stringify(write.view);
      if (samples.has(write.position)) samples.set(write.position, text);
      const size = Buffer.byteLength(text);
      bytes += size;
      maxBytes = Math.max(maxBytes, size);
    }
    const t1 = performance.now();
    await bench.db.outboundJobs.insertMany(writes);
    insertMs += performance.now() - t1;
  }
  const seedS = (performance.now() - t0) / 1000;
  for (const [position, text] of samples) {
    const stored = await bench.db.outboundJobs.get(tenant.tenantId, jobIds[position] ?? '');
    if (JSON.stringify(stored) !== text) throw new Error(`seeded job ${position} does not read back as written`);
  }
  return {
    tenantId: tenant.tenantId,
    apiKey: tenant.apiKey,
    instanceId: ctx.instanceId,
    jobIds,
    seedS,
    insertS: insertMs / 1000,
    bodyBytes: { mean: Math.round(bytes / jobIds.length), max: maxBytes },
  };
}

/** `count` distinct ids drawn from `all` (partial Fisher–Yates on a copy of the index range). */
function idSets(all: readonly string[], count: number, seed: number): () => string[] {
  const random = prng(seed);
  const positions = all.map((_, i) => i);
  return () => {
    for (let i = 0; i < count; i += 1) {
      const j = i + Math.floor(random() * (positions.length - i));
      const a = positions[i] ?? 0;
      positions[i] = positions[j] ?? 0;
      positions[j] = a;
    }
    return positions.slice(0, count).map((p) => all[p] ?? '');
  };
}

/** Checks a ListJobs body: exactly the jobs asked, in the order asked, each with its tasks. */
function checkListJobs(body: unknown, ids: readonly string[]): void {
  const jobs = isRecord(body) ? body.Jobs : undefined;
  if (!Array.isArray(jobs)) throw new Error(`ListJobs: no Jobs[] in ${JSON.stringify(body).slice(0, 200)}`);
  if (jobs.length !== ids.length) throw new Error(`ListJobs: ${jobs.length} jobs, expected ${ids.length}`);
  jobs.forEach((job: unknown, i) => {
    const id = isRecord(job) ? job.JobId : undefined;
    if (id !== ids[i]) throw new Error(`ListJobs: job ${i} is ${String(id)}, expected ${ids[i] ?? ''}`);
    const tasks = isRecord(job) ? job.Tasks : undefined;
    if (!Array.isArray(tasks) || tasks.length !== TASKS_PER_JOB) throw new Error(`ListJobs: job ${id} without tasks`);
  });
}

interface Method {
  name: string;
  run: (ids: string[]) => Promise<number>;
  ms: number[];
  /** Requests measured (after `warmUp` rounds). */
  count: number;
  warmUp: number;
}

async function run({ bench }: BenchContext, options: OutboundOptions): Promise<BenchResult> {
  log(`outbound-list-jobs: seeding ${options.jobs} jobs (3 tasks, 10-line conversations) through insertMany`);
  const seeded = await seed(bench, options);
  const { tenantId, instanceId, jobIds } = seeded;
  log(
    `outbound-list-jobs: seeded in ${seeded.seedS.toFixed(1)} s (insertMany ${seeded.insertS.toFixed(1)} s), ` +
      `job body ${seeded.bodyBytes.mean} bytes on average`,
  );

  const api = new OutboundRpc({ baseUrl: bench.baseUrl, apiKey: seeded.apiKey, sockets: 1, timeoutMs: 30_000 });
  const driver = await connectDriver(bench.env.MONGODB_URI ?? '');
  const responseBytes: number[] = [];
  try {
    const jobs = driver.db().collection<JobDoc>(JOBS_COLLECTION);
    const projection = { _id: 1, body: 1 } as const;
    const docIds = (ids: readonly string[]) => ids.map((id) => docId(tenantId, id));
    const expectAll = (found: number, what: string) => {
      if (found !== IDS_PER_REQUEST) throw new Error(`${what}: read ${found} documents, expected ${IDS_PER_REQUEST}`);
    };
    const methods: Method[] = [
      {
        name: 'ListJobs over HTTP',
        ms: [],
        count: options.requests,
        warmUp: WARM_UP,
        run: async (ids) => {
          const response = await api.call('ListJobs', { InstanceId: instanceId, ...repeatParams('JobId', ids) });
          if (response.status !== 200) throw new RpcError('ListJobs', response);
          checkListJobs(response.body, ids);
          responseBytes.push(response.bytes);
          return response.ms;
        },
      },
      {
        name: 'driver find({_id: {$in}})',
        ms: [],
        count: options.requests,
        warmUp: WARM_UP,
        run: async (ids) => {
          const t0 = performance.now();
          const found = await jobs.find({ _id: { $in: docIds(ids) } }, { projection }).toArray();
          const ms = performance.now() - t0;
          expectAll(found.length, '$in');
          return ms;
        },
      },
      {
        name: 'driver 99 parallel findOne({_id})',
        ms: [],
        count: options.requests,
        warmUp: WARM_UP,
        run: async (ids) => {
          const t0 = performance.now();
          const found = await Promise.all(docIds(ids).map((_id) => jobs.findOne({ _id }, { projection })));
          const ms = performance.now() - t0;
          expectAll(found.filter((doc) => doc !== null).length, 'findOne');
          return ms;
        },
      },
      {
        name: 'DescribeJob of one job over HTTP',
        ms: [],
        count: options.requests,
        warmUp: WARM_UP,
        run: async ([id]) => {
          const response = await api.call('DescribeJob', { InstanceId: instanceId, JobId: id ?? '' });
          if (response.status !== 200) throw new RpcError('DescribeJob', response);
          const job = isRecord(response.body) ? response.body.Job : undefined;
          if (!isRecord(job) || job.JobId !== id) throw new Error(`DescribeJob answered another job than ${id ?? ''}`);
          return response.ms;
        },
      },
    ];
    // One set of 99 ids per round, read by every method (DescribeJob: its first id).
    const nextSet = idSets(jobIds, IDS_PER_REQUEST, 1);
    // A probe first: FerretDB may answer one shape by scanning the collection (seconds a read), and a method that
    // slow gets a time budget instead of the full count (its probe runs are its warm-up).
    for (const method of methods) {
      let probeMs = 0;
      for (let i = 0; i < PROBE_RUNS; i += 1) probeMs += await method.run(nextSet());
      const mean = probeMs / PROBE_RUNS;
      if (mean * options.requests > SLOW_BUDGET_MS) {
        method.count = Math.min(options.requests, Math.max(MIN_SLOW_SAMPLES, Math.floor(SLOW_BUDGET_MS / mean)));
        method.warmUp = 0;
      }
      log(`outbound-list-jobs: probe ${method.name}: ${mean.toFixed(1)} ms; measuring ${method.count} requests`);
    }
    for (let i = 0; methods.some((m) => m.ms.length < m.count); i += 1) {
      const ids = nextSet();
      for (let k = 0; k < methods.length; k += 1) {
        const method = methods[(i + k) % methods.length];
        if (!method || method.ms.length >= method.count) continue;
        const ms = await method.run(ids);
        if (i >= method.warmUp) method.ms.push(ms);
      }
      if (i > 0 && i % 50 === 0) log(`outbound-list-jobs: round ${i}`);
    }
    const stats = Object.fromEntries(methods.map((m) => [m.name, summarize(m.ms)]));
    for (const [name, s] of Object.entries(stats)) {
      log(`outbound-list-jobs: ${name}: p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms`);
    }
    const listJobs = summarize(methods[0]?.ms ?? []);
    const viaIn = summarize(methods[1]?.ms ?? []);
    const viaFindOne = summarize(methods[2]?.ms ?? []);
    const describe = summarize(methods[3]?.ms ?? []);
    const inFaster = viaIn.p50 <= viaFindOne.p50;
    const baseline = inFaster ? viaIn : viaFindOne;
    const ratio = baseline.p50 > 0 ? listJobs.p50 / baseline.p50 : Number.POSITIVE_INFINITY;
    const serverSplit = await splitOf(bench, seeded);
    return {
      name: `ListJobs of ${IDS_PER_REQUEST} ids, ${options.jobs} jobs stored (3 tasks × 10 lines each)`,
      status: 'ok',
      unit: 'ms',
      measured: listJobs.p50,
      measuredLabel: `p50 of ${options.requests} ListJobs over HTTP (p95 ${listJobs.p95} ms, max ${listJobs.max} ms)`,
      baseline: baseline.p50,
      baselineLabel:
        `p50 of the bare driver reading the same 99 documents by _id, the faster of find($in) ${viaIn.p50} ms ` +
        `(p95 ${viaIn.p95}) and 99 parallel findOne ${viaFindOne.p50} ms (p95 ${viaFindOne.p95})`,
      ratio: round(ratio),
      target: TARGET,
      met: listJobs.p50 <= TARGET_P50_MS && ratio <= TARGET_RATIO,
      details: {
        seeded: {
          jobs: options.jobs,
          seedS: round(seeded.seedS, 1),
          insertManyS: round(seeded.insertS, 1),
          jobBodyBytes: seeded.bodyBytes,
        },
        listJobsMs: listJobs,
        listJobsResponseBytes: summarize(responseBytes).p50,
        baselineInMs: viaIn,
        baselineFindOneMs: viaFindOne,
        baselineUsed: inFaster ? 'find($in)' : '99 parallel findOne',
        describeJobMs: describe,
        httpRetries: api.retries,
        serverSplit,
      },
    };
  } finally {
    api.close();
    await driver.close();
  }
}

/**
 * The server's own steps for 99 ids, timed in the bench process: the handler's read (`db.outboundJobs.getMany`, 25
 * `findById` in flight, each body parsed by the JobView schema) against two candidates on mongoose's connection —
 * all 99 `findOne` in flight with the same parse, and the same with `JSON.parse` only — interleaved (rotating order,
 * each its own id set) so that load changes hit all three alike (`$in` is no candidate: see the baseline); then the
 * instance check and the CPU-only parts: JSON.parse + schema parse of 99 bodies, JSON.stringify of the response.
 */
async function splitOf(bench: BenchStack, seeded: Seeded) {
  const { tenantId, instanceId, jobIds } = seeded;
  const collection = bench.db.connection.db?.collection<JobDoc>(JOBS_COLLECTION);
  if (!collection) throw new Error('database connection is not open');
  const readAll = async (ids: readonly string[]) => {
    const docs = await Promise.all(
      ids.map((id) => collection.findOne({ _id: docId(tenantId, id) }, { projection: { body: 1 } })),
    );
    return docs.map((doc) => {
      if (!doc) throw new Error('a job was not found');
      return doc.body;
    });
  };
  const reads: { name: string; next: () => string[]; work: (ids: string[]) => Promise<unknown>; ms: number[] }[] = [
    {
      name: 'getMany',
      next: idSets(jobIds, IDS_PER_REQUEST, 5),
      ms: [],
      work: async (ids) => {
        const found = await bench.db.outboundJobs.getMany(tenantId, ids);
        if (found.length !== ids.length) throw new Error(`getMany found ${found.length} of ${ids.length}`);
      },
    },
    {
      name: 'allInFlightSchemaParse',
      next: idSets(jobIds, IDS_PER_REQUEST, 6),
      ms: [],
      work: async (ids) => (await readAll(ids)).map((body) => jobViewSchema.parse(JSON.parse(body))),
    },
    {
      name: 'allInFlightJsonParse',
      next: idSets(jobIds, IDS_PER_REQUEST, 7),
      ms: [],
      work: async (ids) => (await readAll(ids)).map((body): unknown => JSON.parse(body)),
    },
  ];
  for (let i = 0; i < 5 + SPLIT_ROUNDS; i += 1) {
    for (let k = 0; k < reads.length; k += 1) {
      const read = reads[(i + k) % reads.length];
      if (!read) continue;
      const ids = read.next();
      const t0 = performance.now();
      await read.work(ids);
      if (i >= 5) read.ms.push(performance.now() - t0);
    }
  }
  const next = idSets(jobIds, IDS_PER_REQUEST, 8);
  const times = async (work: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 5 + SPLIT_ROUNDS; i += 1) {
      const t0 = performance.now();
      await work();
      if (i >= 5) ms.push(performance.now() - t0);
    }
    return summarize(ms);
  };
  const bodies = await readAll(next());
  const views = bodies.map((body) => jobViewSchema.parse(JSON.parse(body)));
  const split = {
    ...Object.fromEntries(reads.map((read) => [read.name, summarize(read.ms)])),
    instanceCheck: await times(() => bench.db.outbound.instances.get(tenantId, instanceId)),
    schemaParseOnly: await times(async () => {
      for (const body of bodies) jobViewSchema.parse(JSON.parse(body));
      return Promise.resolve();
    }),
    jsonParseOnly: await times(async () => {
      for (const body of bodies) JSON.parse(body);
      return Promise.resolve();
    }),
    stringifyResponse: await times(async () => {
      JSON.stringify({ RequestId: 'x', Success: true, Code: 'OK', Jobs: views.map(listedJob) });
      return Promise.resolve();
    }),
  };
  const text = Object.entries(split)
    .map(([name, s]) => `${name} ${s.p50}/${s.p95}`)
    .join(', ');
  log(`outbound-list-jobs: server split (p50/p95 ms): ${text}`);
  return split;
}

export function outboundListJobsBenchmark(options: OutboundOptions): Benchmark {
  return {
    id: 'outbound-list-jobs',
    label: 'OutboundBot ListJobs of 99 ids',
    unit: 'ms',
    target: TARGET,
    run: (context) => run(context, options),
  };
}
