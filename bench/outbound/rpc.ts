/**
 * The OutboundBot RPC API (`POST /?Action=…&Version=2019-12-26`) over real HTTP for the outbound benchmarks:
 * bench/timed-http.ts (`node:http`, one keep-alive agent, as bench/routing/http.ts), the tenant's Bearer API key
 * (the RPC group accepts it besides Alibaba signatures), parameters in the query string as the official SDK sends
 * them, or in an `application/x-www-form-urlencoded` body for the large ones (`JobsJson`). Every request is timed
 * from the moment it is sent to the last body byte; the body is parsed after the clock stops. A request reset on a
 * reused idle keep-alive socket is sent again once and counted (`retries`).
 */
import { TimedHttp, type TimedResponse } from '../timed-http';

export const OUTBOUND_VERSION = '2019-12-26';

/** Status, time (request sent → last body byte), body bytes and body (JSON, or text when not JSON). */
export type RpcResponse = TimedResponse;

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
  private readonly http: TimedHttp;

  constructor(private readonly options: OutboundRpcOptions) {
    const { baseUrl, sockets, timeoutMs } = options;
    this.http = new TimedHttp({ baseUrl, sockets, timeoutMs, resendOnReset: true });
  }

  /** Requests sent again after the server had closed their idle keep-alive socket. */
  get retries(): number {
    return this.http.retries;
  }

  /** Sends one action; resolves whatever the status (the caller checks it). */
  call(action: string, query: Record<string, string>, form?: Record<string, string>): Promise<RpcResponse> {
    const search = new URLSearchParams({ Action: action, Version: OUTBOUND_VERSION, ...query });
    const payload = form === undefined ? undefined : Buffer.from(new URLSearchParams(form).toString());
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.options.apiKey}`,
      Accept: 'application/json',
      'Content-Length': String(payload?.length ?? 0),
    };
    if (payload) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return this.http.request({ method: 'POST', path: `/?${search.toString()}`, headers, payload, label: action });
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
    this.http.close();
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
