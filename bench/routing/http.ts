/**
 * The router API over real HTTP for the routing benchmarks: bench/timed-http.ts (`node:http`, one keep-alive agent,
 * as the load benchmarks use), the tenant's Bearer key, `?api-version=2023-11-01` on every URL, merge-patch bodies for
 * PATCH. Every request is counted (by kind) and timed; a request that fails (network error, timeout, or a status other
 * than the expected ones) rejects with the method, path, status and body.
 */
import { TimedHttp } from '../timed-http';

export const ROUTER_API = 'api-version=2023-11-01';

export interface RouterResponse {
  status: number;
  /** Request sent → body decoded (last body byte, then JSON-parsed). */
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
  private readonly http: TimedHttp;
  /** Requests sent (answered or not), by kind (the caller's label). */
  readonly counts: Record<string, number> = {};
  errors = 0;

  constructor(private readonly options: RouterHttpOptions) {
    const { baseUrl, sockets, timeoutMs } = options;
    // A request reset on an idle socket stays an error here, as it always was (the outbound client resends it).
    this.http = new TimedHttp({ baseUrl, sockets, timeoutMs, resendOnReset: false });
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
    this.http.close();
  }

  private async send(method: string, path: string, body: unknown): Promise<RouterResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.options.apiKey}`,
      Accept: 'application/json',
    };
    if (payload) {
      headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const response = await this.http.request({ method, path, headers, payload });
    // The time includes decoding the body, as these figures always have.
    return { status: response.status, ms: response.decodedMs, body: response.body };
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
