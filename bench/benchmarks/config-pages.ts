/**
 * Config pages under load (issue #8; target: one client p95 ≤ 50 ms, 50 clients without an error at ≥ 200 requests/s):
 * `GET /v1/config/sites?limit=100` over real HTTP on the shared seeded store (bench/load/seed.ts: 50,000 sites,
 * 10 tenants × 5000, imported through the API).
 *
 * 1. Every tenant's pages are followed by `nextCursor` up to page 26 (25 pages in; less with fewer objects), each
 *    checked against the keys the tenant imported: this gives each tenant's first and deep page URL.
 * 2. One client, keep-alive: the first page's URL `--requests` times (200) in a row, then the deep page's; p50/p95/max.
 *    Baseline, same client: `GET /v1/tenants/me` (an authenticated request that lists nothing).
 * 3. `--clients` clients (50), one keep-alive agent, for `--duration` seconds (20): each alternates first and deep
 *    page of a random tenant; requests/s, errors (non-200, network, or a page that is not exactly the expected one),
 *    p95.
 * The clients run in a child process (bench/load/page-load.ts), not on the API's event loop.
 */
import { type BenchContext, type Benchmark, serverCpu } from '../benchmark';
import type { LoadOptions } from '../load/options';
import {
  checkBody,
  describeLatency,
  type LatencySummary,
  type LoadResult,
  runLoadInChild,
  summarize,
  type Target,
} from '../load/page-load';
import { type LoadTenant, seedDetails, seededStore } from '../load/seed';
import { SITES } from '../load/sites';
import { type BenchResult, log, round } from '../report';

const PAGE = 100;
const DEEP_PAGE = 25;
const TARGET_P95_MS = 50;
const TARGET_RPS = 200;
/** One URL's sequential requests stop after this long, even short of `--requests` (then the target is missed). */
const BUDGET_MS = 120_000;
/** A request without a response after this long is an error. */
const TIMEOUT_MS = 30_000;
const targetText = (load: LoadOptions): string =>
  `1 client p95 ≤ ${TARGET_P95_MS} ms; ${load.clients} clients: 0 errors, ≥ ${TARGET_RPS} req/s`;

const listPath = (cursor?: string): string =>
  `/v1/config/${SITES}?limit=${PAGE}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;

function pageTarget(tenant: LoadTenant, group: string, path: string, page: number): Target {
  const keys = tenant.keys.slice(page * PAGE, (page + 1) * PAGE);
  return {
    group,
    tenant: tenant.prefix,
    path,
    apiKey: tenant.apiKey,
    expect: { kind: 'page', objectType: SITES, keys, more: tenant.keys.length > (page + 1) * PAGE },
  };
}

/** Follows nextCursor from the first page to page `deep` (0-based), checking every page; returns both targets. */
async function walk(baseUrl: string, tenant: LoadTenant, deep: number): Promise<{ first: Target; deep: Target }> {
  let path = listPath();
  let first: Target | undefined;
  for (let page = 0; ; page += 1) {
    const target = pageTarget(tenant, page === 0 ? 'first' : 'deep', path, page);
    first ??= target;
    const res = await fetch(`${baseUrl}${path}`, { headers: { Authorization: `Bearer ${tenant.apiKey}` } });
    if (res.status !== 200)
      throw new Error(`${tenant.prefix} page ${page + 1}: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { nextCursor?: unknown };
    const problem = checkBody(body, target.expect);
    if (problem) throw new Error(`${tenant.prefix} page ${page + 1} (following nextCursor): ${problem}`);
    if (page === deep) return { first, deep: target };
    if (typeof body.nextCursor !== 'string') throw new Error(`${tenant.prefix} page ${page + 1} has no nextCursor`);
    path = listPath(body.nextCursor);
  }
}

const latencyOf = (result: LoadResult, group: string): LatencySummary => summarize(result.latencies[group] ?? []);

async function run(context: BenchContext, load: LoadOptions): Promise<BenchResult> {
  const { bench } = context;
  const store = await seededStore(context, load);
  const smallest = Math.min(...store.tenants.map((tenant) => tenant.keys.length));
  const deep = Math.min(DEEP_PAGE, Math.floor(smallest / PAGE) - 1);
  if (deep < 1) throw new Error(`config-pages needs at least ${2 * PAGE} objects per tenant (has ${smallest})`);

  log(`config-pages: following nextCursor to page ${deep + 1} for each of ${store.tenants.length} tenants`);
  const walks = await Promise.all(store.tenants.map((tenant) => walk(bench.baseUrl, tenant, deep)));
  const [one] = store.tenants;
  const [oneWalk] = walks;
  if (!one || !oneWalk) throw new Error('no seeded tenant');

  const repeat = (target: Target) =>
    runLoadInChild({
      mode: 'repeat',
      baseUrl: bench.baseUrl,
      target,
      count: load.requests,
      budgetMs: BUDGET_MS,
      timeoutMs: TIMEOUT_MS,
    });
  const floor = await repeat({
    group: 'me',
    tenant: one.prefix,
    path: '/v1/tenants/me',
    apiKey: one.apiKey,
    expect: { kind: 'tenant', id: one.id },
  });
  const firstRun = await repeat(oneWalk.first);
  const deepRun = await repeat(oneWalk.deep);
  const floorLatency = latencyOf(floor, 'me');
  const firstLatency = latencyOf(firstRun, 'first');
  const deepLatency = latencyOf(deepRun, 'deep');
  log(`config-pages: 1 client, ${one.prefix}: first page ${describeLatency(firstLatency)}`);
  log(`config-pages: 1 client, ${one.prefix}: page ${deep + 1} ${describeLatency(deepLatency)}`);
  log(`config-pages: 1 client, GET /v1/tenants/me ${describeLatency(floorLatency)}`);
  const singleErrors = [...firstRun.errorSamples, ...deepRun.errorSamples, ...floor.errorSamples];
  const singleErrorCount = firstRun.errors + deepRun.errors + floor.errors;
  const p95 = Math.max(firstLatency.p95, deepLatency.p95);
  const singleMet =
    singleErrorCount === 0 && firstLatency.n >= load.requests && deepLatency.n >= load.requests && p95 <= TARGET_P95_MS;

  log(`config-pages: ${load.clients} clients for ${load.durationS} s on first and page ${deep + 1} of random tenants`);
  const cpu = serverCpu(bench);
  const mixed = await runLoadInChild({
    mode: 'mixed',
    baseUrl: bench.baseUrl,
    targets: walks.flatMap((walked) => [walked.first, walked.deep]),
    clients: load.clients,
    durationMs: load.durationS * 1000,
    timeoutMs: TIMEOUT_MS,
  });
  const cpuSeconds = { ...cpu.stop(), loadClients: mixed.cpuSeconds };
  const all = summarize(Object.values(mixed.latencies).flat());
  const rps = mixed.requests / (mixed.elapsedMs / 1000);
  const perClient = mixed.perClient.map((client) => client.requests);
  const idleClients = perClient.filter((requests) => requests === 0).length;
  log(
    `config-pages: ${load.clients} clients: ${mixed.requests} requests in ${(mixed.elapsedMs / 1000).toFixed(1)} s = ` +
      `${rps.toFixed(1)} req/s, ${mixed.errors} errors, ${describeLatency(all)}`,
  );
  for (const sample of mixed.errorSamples) log(`config-pages: error: ${sample}`);
  const concurrentMet = mixed.errors === 0 && idleClients === 0 && rps >= TARGET_RPS;

  return {
    name: `config pages (sites, limit 100): ${store.objects} objects over ${store.tenants.length} tenants`,
    status: 'ok',
    unit: 'ms',
    measured: round(p95, 1),
    measuredLabel:
      `1 client p95 ${firstLatency.p95} ms first page, ${deepLatency.p95} ms page ${deep + 1} ` +
      `(${firstLatency.n}+${deepLatency.n} requests, ${singleErrorCount} errors); ` +
      `${load.clients} clients ${load.durationS} s: ${rps.toFixed(1)} req/s, ${mixed.errors} errors, p95 ${all.p95} ms`,
    baseline: round(floorLatency.p95, 1),
    baselineLabel: `1 client p95 of GET /v1/tenants/me: ${floorLatency.p95} ms (authenticated, lists nothing)`,
    target: targetText(load),
    met: singleMet && concurrentMet,
    details: {
      ...seedDetails(store),
      load,
      deepPage: deep + 1,
      singleClient: { first: firstLatency, deep: deepLatency, tenantsMe: floorLatency, errors: singleErrorCount },
      singleClientMet: singleMet,
      concurrent: {
        clients: load.clients,
        durationS: load.durationS,
        requests: mixed.requests,
        elapsedS: round(mixed.elapsedMs / 1000, 1),
        requestsPerS: round(rps, 1),
        errors: mixed.errors,
        latency: all,
        first: latencyOf(mixed, 'first'),
        deep: latencyOf(mixed, 'deep'),
        requestsPerClient: { min: Math.min(...perClient), max: Math.max(...perClient) },
        cpuSeconds,
      },
      concurrentMet,
      ...(singleErrors.length + mixed.errorSamples.length > 0
        ? { errorSamples: [...singleErrors, ...mixed.errorSamples].slice(0, 10) }
        : {}),
    },
  };
}

export function configPagesBenchmark(load: LoadOptions): Benchmark {
  return {
    id: 'config-pages',
    label: 'config pages under load',
    unit: 'ms',
    target: targetText(load),
    run: (context) => run(context, load),
  };
}
