/**
 * HTTP load on the API's list pages (config-pages, issue #8): requests over Node's `http` with a keep-alive agent,
 * each response checked against what the page must hold (the exact keys, in strictly increasing order, of the
 * requesting tenant). Two shapes:
 *
 * - `repeat`: one client requests one URL `count` times in a row (stops early after `budgetMs`) — latency;
 * - `mixed`: `clients` clients loop for `durationMs`, each alternating between the target groups (first page, deep
 *   page) on a random tenant each time — throughput, errors, latency under load. Requests in flight at the deadline
 *   are awaited and counted.
 *
 * `runLoadInChild` runs either in a child process (bench/load/page-load-child.ts), so that the clients' parsing and
 * checking does not share an event loop with the API they measure (bench/stack.ts serves it from the bench process).
 */
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runJsonChild } from '../child-process';

export type Expectation =
  /** A page of `keys` exactly (in this order), of `objectType`; `more`: a nextCursor must follow. */
  | { kind: 'page'; objectType: string; keys: string[]; more: boolean }
  /** GET /v1/tenants/me of this tenant. */
  | { kind: 'tenant'; id: string };

export interface Target {
  /** Statistics are kept per group (e.g. `first`, `deep`). */
  group: string;
  /** Who asks (a tenant's key prefix), for error messages. */
  tenant: string;
  path: string;
  apiKey: string;
  expect: Expectation;
}

export interface RepeatSpec {
  mode: 'repeat';
  baseUrl: string;
  target: Target;
  count: number;
  budgetMs: number;
  timeoutMs: number;
}

export interface MixedSpec {
  mode: 'mixed';
  baseUrl: string;
  targets: Target[];
  clients: number;
  durationMs: number;
  timeoutMs: number;
}

export type LoadSpec = RepeatSpec | MixedSpec;

export interface LoadResult {
  /** Latencies (ms, request start → last body byte) of the correct responses, per target group. */
  latencies: Record<string, number[]>;
  requests: number;
  errors: number;
  /** The first distinct error messages (at most 10). */
  errorSamples: string[];
  /** Requests and errors of each client. */
  perClient: { requests: number; errors: number }[];
  /** From the first request to the end of the last one. */
  elapsedMs: number;
  /** CPU seconds (user + system) of the process running the clients, meanwhile. */
  cpuSeconds: number;
}

interface Response {
  status: number;
  ms: number;
  text: string;
}

/** One GET with the tenant's key; rejects on a network error or after `timeoutMs`. */
function get(agent: http.Agent, base: URL, target: Target, timeoutMs: number): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(
      {
        host: base.hostname,
        port: base.port,
        path: target.path,
        agent,
        headers: { Authorization: `Bearer ${target.apiKey}`, Accept: 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why this body is not what `expect` says the response must be; undefined when it is. */
export function checkBody(body: unknown, expect: Expectation): string | undefined {
  if (!isRecord(body)) return 'body is not a JSON object';
  if (expect.kind === 'tenant') return body.id === expect.id ? undefined : `tenants/me answered ${String(body.id)}`;
  const items = body.items;
  if (!Array.isArray(items)) return 'no items array';
  if (items.length !== expect.keys.length) return `${items.length} items, expected ${expect.keys.length}`;
  let previous: string | undefined;
  for (const [index, item] of items.entries()) {
    if (!isRecord(item) || typeof item.key !== 'string') return `item ${index} has no key`;
    const key = item.key;
    if (previous !== undefined && !(key > previous)) return `keys not strictly increasing: ${previous} then ${key}`;
    previous = key;
    const wanted = expect.keys[index];
    if (key !== wanted) {
      const foreign = wanted !== undefined && key.split('-')[0] !== wanted.split('-')[0];
      return `item ${index} is ${key}, expected ${String(wanted)}${foreign ? " (another tenant's key)" : ''}`;
    }
    if (item.type !== expect.objectType) return `item ${index} has type ${String(item.type)}`;
    if (!isRecord(item.data) || item.data.name !== key) return `item ${index} (${key}) has other data`;
  }
  const hasNext = typeof body.nextCursor === 'string' && body.nextCursor.length > 0;
  if (hasNext !== expect.more) return expect.more ? 'no nextCursor' : 'a nextCursor after the last page';
  return undefined;
}

class Tally {
  readonly latencies: Record<string, number[]> = {};
  readonly errorSamples: string[] = [];
  requests = 0;
  errors = 0;

  record(client: { requests: number; errors: number }, target: Target, outcome: Response | Error): void {
    this.requests += 1;
    client.requests += 1;
    const problem =
      outcome instanceof Error
        ? outcome.message
        : outcome.status !== 200
          ? `HTTP ${outcome.status}: ${outcome.text.slice(0, 200)}`
          : checkBody(parse(outcome.text), target.expect);
    if (problem === undefined && !(outcome instanceof Error)) {
      (this.latencies[target.group] ??= []).push(outcome.ms);
      return;
    }
    this.errors += 1;
    client.errors += 1;
    const message = `${target.tenant} ${target.group}: ${problem ?? 'error'}`;
    if (this.errorSamples.length < 10 && !this.errorSamples.includes(message)) this.errorSamples.push(message);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const attempt = (agent: http.Agent, base: URL, target: Target, timeoutMs: number): Promise<Response | Error> =>
  get(agent, base, target, timeoutMs).catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const base = new URL(spec.baseUrl);
  const clients = spec.mode === 'repeat' ? 1 : spec.clients;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const tally = new Tally();
  const perClient = Array.from({ length: clients }, () => ({ requests: 0, errors: 0 }));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    if (spec.mode === 'repeat') {
      const client = perClient[0] ?? { requests: 0, errors: 0 };
      while (tally.requests < spec.count && performance.now() - t0 < spec.budgetMs) {
        tally.record(client, spec.target, await attempt(agent, base, spec.target, spec.timeoutMs));
      }
    } else {
      const groups = [...new Set(spec.targets.map((target) => target.group))];
      const byGroup = groups.map((group) => spec.targets.filter((target) => target.group === group));
      const deadline = t0 + spec.durationMs;
      await Promise.all(
        perClient.map(async (client, index) => {
          for (let n = 0; performance.now() < deadline; n += 1) {
            const candidates = byGroup[(index + n) % byGroup.length] ?? [];
            const target = candidates[Math.floor(Math.random() * candidates.length)];
            if (!target) throw new Error('no target to request');
            tally.record(client, target, await attempt(agent, base, target, spec.timeoutMs));
          }
        }),
      );
    }
  } finally {
    agent.destroy();
  }
  return {
    latencies: tally.latencies,
    requests: tally.requests,
    errors: tally.errors,
    errorSamples: tally.errorSamples,
    perClient,
    elapsedMs: performance.now() - t0,
    cpuSeconds: (() => {
      const used = process.cpuUsage(cpu0);
      return Math.round((used.user + used.system) / 1e5) / 10;
    })(),
  };
}

/** Runs `spec` in a child process (bench/child-process.ts) and returns its result. */
export function runLoadInChild(spec: LoadSpec): Promise<LoadResult> {
  const limitMs = (spec.mode === 'repeat' ? spec.budgetMs + spec.timeoutMs : spec.durationMs + spec.timeoutMs) + 60_000;
  return runJsonChild(path.join(__dirname, 'page-load-child.ts'), spec, limitMs, 'load client');
}

/** Nearest-rank percentile (p in 0–100) of unsorted values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const r = (value: number) => Math.round(value * 10) / 10;
  return {
    n: values.length,
    p50: r(percentile(values, 50)),
    p95: r(percentile(values, 95)),
    max: r(values.reduce((max, value) => Math.max(max, value), 0)),
  };
}

export const describeLatency = (s: LatencySummary): string =>
  `n=${s.n} p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms`;
