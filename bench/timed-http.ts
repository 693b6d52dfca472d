/**
 * Timed HTTP requests over one keep-alive agent, shared by the benchmarks' API clients (bench/routing/http.ts,
 * bench/outbound/rpc.ts). `node:http` rather than fetch: cheaper per request, so the client adds less to what is
 * measured. The clock runs from the moment a request is sent to the last body byte; the body is decoded afterwards.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface TimedResponse {
  status: number;
  /** Request sent → last body byte. */
  ms: number;
  /**
   * Request sent → body decoded: `ms` plus joining and JSON-parsing the body. The router client has always reported
   * this one, so its figures stay comparable with those recorded before.
   */
  decodedMs: number;
  /** Bytes of the response body. */
  bytes: number;
  /** The body parsed as JSON; its text when it is not JSON (for the error message); undefined when empty. */
  body: unknown;
}

export interface TimedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  payload?: Buffer;
  /** Prefix of the timeout error, for a caller that does not wrap errors with its own name for the request. */
  label?: string;
}

export interface TimedHttpOptions {
  baseUrl: string;
  /** Sockets kept alive (at least the number of concurrent callers). */
  sockets: number;
  timeoutMs: number;
  /** Send a request again, once, when its reused idle keep-alive socket was reset (see `send`); counted in `retries`. */
  resendOnReset: boolean;
}

export class TimedHttp {
  private readonly agent: http.Agent;
  private readonly base: URL;
  /** Requests sent again after the server had closed their idle keep-alive socket. */
  retries = 0;

  constructor(private readonly options: TimedHttpOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets });
    this.base = new URL(options.baseUrl);
  }

  /** Resolves whatever the status (the caller checks it); rejects on a network error or a timeout. */
  request(request: TimedRequest): Promise<TimedResponse> {
    return this.send(request, this.options.resendOnReset);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(request: TimedRequest, mayResend: boolean): Promise<TimedResponse> {
    const { method, path, headers, payload, label } = request;
    const { timeoutMs } = this.options;
    return new Promise<TimedResponse>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers,
          timeout: timeoutMs,
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
            const decodedMs = performance.now() - t0;
            resolve({ status: res.statusCode ?? 0, ms, decodedMs, bytes: raw.length, body });
          });
        },
      );
      const prefix = label === undefined ? '' : `${label}: `;
      req.on('timeout', () => req.destroy(new Error(`${prefix}no response within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The server closes a keep-alive socket idle for 5 s; a request sent on it at that moment is reset before
        // the server read it. Node's documented remedy: send it again, once, on a new socket (not a sample lost).
        if (mayResend && req.reusedSocket && error.code === 'ECONNRESET') {
          this.retries += 1;
          this.send(request, false).then(resolve, reject);
        } else reject(error);
      });
      req.end(payload);
    });
  }
}
