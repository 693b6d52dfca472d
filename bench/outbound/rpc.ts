/**
 * The OutboundBot RPC API (`POST /?Action=…&Version=2019-12-26`) over real HTTP for the outbound benchmarks: `node:http`
 * with one keep-alive agent (as bench/routing/http.ts, cheaper per request than fetch), the tenant's Bearer API key
 * (the RPC group accepts it besides Alibaba signatures), parameters in the query string as the official SDK sends
 * them, or in an `application/x-www-form-urlencoded` body for the large ones (`JobsJson`). Every request is timed
 * from the moment it is sent to the last body byte; the body is parsed after the clock stops.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export const OUTBOUND_VERSION = '2019-12-26';

export interface RpcResponse {
  status: number;
  /** Request sent → last body byte. */
  ms: number;
  /** Bytes of the response body. */
  bytes: number;
  body: unknown;
}

export interface OutboundRpcOptions {
  baseUrl: string;
  apiKey: string;
  /** Sockets kept alive (at least the number of concurrent callers). */
  sockets: number;
  timeoutMs: number;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `Name.1`, `Name.2`, … as the SDKs flatten a list. */
export function repeatParams(name: string, values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value, index) => [`${name}.${index + 1}`, value]));
}

export class OutboundRpc {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(private readonly options: OutboundRpcOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets });
    this.base = new URL(options.baseUrl);
  }

  /** Requests sent again after the server had closed their idle keep-alive socket (see `send`). */
  retries = 0;

  /** Sends one action; resolves whatever the status (the caller checks it). */
  call(action: string, query: Record<string, string>, form?: Record<string, string>): Promise<RpcResponse> {
    const search = new URLSearchParams({ Action: action, Version: OUTBOUND_VERSION, ...query });
    const payload = form === undefined ? undefined : Buffer.from(new URLSearchParams(form).toString());
    return this.send(action, `/?${search.toString()}`, payload, true);
  }

  private send(action: string, path: string, payload: Buffer | undefined, mayRetry: boolean): Promise<RpcResponse> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.options.apiKey}`,
      Accept: 'application/json',
      'Content-Length': String(payload?.length ?? 0),
    };
    if (payload) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return new Promise<RpcResponse>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method: 'POST',
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
            const ms = performance.now() - t0;
            const raw = Buffer.concat(chunks);
            const text = raw.toString('utf8');
            let body: unknown = text;
            try {
              body = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: kept as text for the error message
            }
            resolve({ status: res.statusCode ?? 0, ms, bytes: raw.length, body });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${action}: no response within ${this.options.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The server closes a keep-alive socket idle for 5 s; a request sent on it at that moment is reset before
        // the server read it. Node's documented remedy: send it again, once, on a new socket (not a sample lost).
        if (mayRetry && req.reusedSocket && error.code === 'ECONNRESET') {
          this.retries += 1;
          this.send(action, path, payload, false).then(resolve, reject);
        } else reject(error);
      });
      req.end(payload);
    });
  }

  /** An action that must answer 200; returns its JSON body and time, or throws with the status, Code and Message. */
  async ok(
    action: string,
    query: Record<string, string>,
    form?: Record<string, string>,
  ): Promise<{ body: Record<string, unknown>; ms: number; bytes: number }> {
    const response = await this.call(action, query, form);
    if (response.status !== 200 || !isRecord(response.body)) {
      throw new RpcError(action, response);
    }
    return { body: response.body, ms: response.ms, bytes: response.bytes };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A non-200 answer: keeps the status and the Alibaba error `Code` (e.g. `InvalidAction.NotFound`). */
export class RpcError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(action: string, response: RpcResponse) {
    const body = isRecord(response.body) ? response.body : {};
    const code = typeof body.Code === 'string' ? body.Code : '';
    const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    super(`${action}: HTTP ${response.status} ${code} ${(text ?? '').slice(0, 300)}`);
    this.status = response.status;
    this.code = code;
  }
}

/** A string field at a path of a response body (`['Instance', 'InstanceId']`), or an error naming the action. */
export function stringAt(body: unknown, path: readonly string[], what: string): string {
  let value: unknown = body;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw new Error(`${what}: no ${path.join('.')} in ${JSON.stringify(body).slice(0, 300)}`);
  }
  return value;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
