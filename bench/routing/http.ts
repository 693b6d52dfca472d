/**
 * The router API over real HTTP for the routing benchmarks: `node:http` with one keep-alive agent (as the load
 * benchmarks use, cheaper per request than fetch), the tenant's Bearer key, `?api-version=2023-11-01` on every URL,
 * merge-patch bodies for PATCH. Every request is counted (by kind) and timed; a request that fails (network error,
 * timeout, or a status other than the expected ones) rejects with the method, path, status and body.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export const ROUTER_API = 'api-version=2023-11-01';

export interface RouterResponse {
  status: number;
  /** Request start → last body byte. */
  ms: number;
  body: unknown;
}

export class RouterHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface RouterHttpOptions {
  baseUrl: string;
  apiKey: string;
  /** Sockets kept alive (at least the number of concurrent callers). */
  sockets: number;
  timeoutMs: number;
}

/** `/routing/…` with the api-version appended. */
export const routerPath = (path: string): string => `/routing${path}${path.includes('?') ? '&' : '?'}${ROUTER_API}`;

export class RouterHttp {
  private readonly agent: http.Agent;
  private readonly base: URL;
  /** Requests sent (answered or not), by kind (the caller's label). */
  readonly counts: Record<string, number> = {};
  errors = 0;

  constructor(private readonly options: RouterHttpOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets });
    this.base = new URL(options.baseUrl);
  }

  get requests(): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0);
  }

  /** Sends one request; resolves for a status in `ok` (default 200/201/204), rejects otherwise. */
  async request(
    kind: string,
    method: 'GET' | 'PATCH' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    ok: readonly number[] = [200, 201, 204],
    raw = false,
  ): Promise<RouterResponse> {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    const fullPath = raw ? path : routerPath(path);
    try {
      const response = await this.send(method, fullPath, body);
      if (!ok.includes(response.status)) {
        throw new RouterHttpError(
          `${method} ${path}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
          response.status,
        );
      }
      return response;
    } catch (error) {
      this.errors += 1;
      if (error instanceof RouterHttpError) throw error;
      throw new RouterHttpError(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
  }

  get = (kind: string, path: string, ok?: readonly number[]) => this.request(kind, 'GET', path, undefined, ok);
  /** GET of a `nextLink` as the server wrote it (`/routing/…?api-version=…&continuationToken=…`). */
  getLink = (kind: string, link: string) => this.request(kind, 'GET', link, undefined, [200], true);
  patch = (kind: string, path: string, body: unknown) => this.request(kind, 'PATCH', path, body);
  post = (kind: string, path: string, body?: unknown) => this.request(kind, 'POST', path, body ?? {});

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, body: unknown): Promise<RouterResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.options.apiKey}`,
      Accept: 'application/json',
    };
    if (payload) {
      headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise<RouterResponse>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers,
          timeout: this.options.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: kept as text for the error message
            }
            resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no response within ${this.options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The offers of a worker resource (GET /routing/workers/{id}), oldest first. */
export function offersOf(worker: unknown): { offerId: string; jobId: string }[] {
  if (!isRecord(worker) || !Array.isArray(worker.offers)) throw new Error('worker resource without offers[]');
  return worker.offers.flatMap((offer: unknown) =>
    isRecord(offer) && typeof offer.offerId === 'string' && typeof offer.jobId === 'string'
      ? [{ offerId: offer.offerId, jobId: offer.jobId }]
      : [],
  );
}

/** How many jobs a worker resource holds (offers + assigned jobs). */
export function holdingsOf(worker: unknown): number {
  if (!isRecord(worker) || !Array.isArray(worker.offers) || !Array.isArray(worker.assignedJobs)) {
    throw new Error('worker resource without offers[] / assignedJobs[]');
  }
  return worker.offers.length + worker.assignedJobs.length;
}

export function stringField(body: unknown, field: string): string {
  const value = isRecord(body) ? body[field] : undefined;
  if (typeof value !== 'string') throw new Error(`response without ${field}: ${JSON.stringify(body).slice(0, 200)}`);
  return value;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
