/**
 * A small typed client of the public ccflow HTTP API for the operator CLI: Node's global `fetch`, bearer auth,
 * problem+json errors turned into `ApiError`, JSON responses checked with the API's own zod schemas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { operationViewSchema, type OperationView } from '../api/bulk/views';
import { problemSchema } from '../api/http/envelopes/problem-schema';

export type { OperationView };

export const operationListSchema = z.object({
  items: z.array(operationViewSchema),
  nextCursor: z.string().optional(),
});
export type OperationList = z.infer<typeof operationListSchema>;

export const objectTypeListSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      format: z.string(),
      key: z.array(z.string()),
    }),
  ),
});
export type ObjectTypeSummary = z.infer<typeof objectTypeListSchema>['items'][number];

/** An HTTP error answered by the API (or something in front of it). `detail` is what an operator should read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string | undefined,
    readonly activeOperationId: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** The API could not be reached at all (refused connection, DNS, TLS…). */
export class ConnectionError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`cannot reach the ccflow API at ${url}: ${reason}`);
    this.name = 'ConnectionError';
  }
}

/** The API answered 2xx with a body that is not what this CLI understands (version skew, wrong URL). */
export class UnexpectedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedResponseError';
  }
}

export interface OperationFilters {
  status?: string;
  kind?: string;
  objectType?: string;
  q?: string;
  limit?: number;
}

export interface DownloadedFile {
  path: string;
  bytes: number;
  contentType: string;
}

/** The file name of a `Content-Disposition` header (RFC 6266: `filename*` wins over `filename`), or undefined. */
export function fileNameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  let name: string | undefined;
  if (extended?.[2]) {
    try {
      name = decodeURIComponent(extended[2].trim());
    } catch {
      name = undefined;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
    name = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2];
  }
  if (!name) return undefined;
  // Never let a server-chosen name escape the target directory.
  const base = path.basename(name.replaceAll('\\', '/'));
  return base === '' || base === '.' || base === '..' ? undefined : base;
}

function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export class ApiClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  get url(): string {
    return this.baseUrl;
  }

  /** Sends a request; any non-2xx answer becomes an `ApiError` carrying the problem's `detail`. */
  async request(pathAndQuery: string, init: { method?: string; body?: FormData } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${pathAndQuery}`, {
        method: init.method ?? 'GET',
        headers: { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json, */*' },
        ...(init.body ? { body: init.body } : {}),
      });
    } catch (error) {
      throw new ConnectionError(this.baseUrl, reasonOf(error));
    }
    if (!res.ok) throw await this.problemOf(res);
    return res;
  }

  private async problemOf(res: Response): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const problem = problemSchema.safeParse(body);
    if (problem.success) {
      const active = problem.data.activeOperationId;
      return new ApiError(
        res.status,
        problem.data.detail,
        problem.data.code,
        typeof active === 'string' ? active : undefined,
        problem.data.requestId ?? res.headers.get('x-request-id') ?? undefined,
      );
    }
    const snippet = text.trim().slice(0, 200);
    return new ApiError(
      res.status,
      `HTTP ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ''}`,
      undefined,
      undefined,
      res.headers.get('x-request-id') ?? undefined,
    );
  }

  private async json<T>(pathAndQuery: string, schema: z.ZodType<T>, init?: { method?: string; body?: FormData }) {
    const res = await this.request(pathAndQuery, init);
    const body: unknown = await res.json().catch(() => undefined);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new UnexpectedResponseError(
        `unexpected response from ${init?.method ?? 'GET'} ${pathAndQuery}: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  async submitImport(input: { objectType: string; file: string; dryRun: boolean }): Promise<OperationView> {
    const form = new FormData();
    // Fields first: the API picks the upload limit from the fields sent before the file.
    form.append('kind', 'import');
    form.append('objectType', input.objectType);
    form.append('dryRun', String(input.dryRun));
    form.append('file', await fs.openAsBlob(input.file), path.basename(input.file));
    return this.json('/v1/bulk/operations', operationViewSchema, { method: 'POST', body: form });
  }

  async submitExport(input: { objectType: string; fileName?: string }): Promise<OperationView> {
    const form = new FormData();
    form.append('kind', 'export');
    form.append('objectType', input.objectType);
    if (input.fileName) form.append('fileName', input.fileName);
    return this.json('/v1/bulk/operations', operationViewSchema, { method: 'POST', body: form });
  }

  async getOperation(id: string): Promise<OperationView> {
    return this.json(`/v1/bulk/operations/${encodeURIComponent(id)}`, operationViewSchema);
  }

  async listOperations(filters: OperationFilters = {}): Promise<OperationList> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filters)) {
      if (value !== undefined && value !== '') query.set(name, String(value));
    }
    const search = query.toString();
    return this.json(`/v1/bulk/operations${search ? `?${search}` : ''}`, operationListSchema);
  }

  async objectTypes(): Promise<ObjectTypeSummary[]> {
    return (await this.json('/v1/bulk/object-types', objectTypeListSchema)).items;
  }

  /**
   * Streams a file download to disk. `target(name)` chooses the path from the server's suggested file name
   * (Content-Disposition); the file is written next to its final path and renamed, so a failed download leaves
   * nothing half-written.
   */
  async download(pathAndQuery: string, target: (suggestedName: string | undefined) => string): Promise<DownloadedFile> {
    const res = await this.request(pathAndQuery);
    const destination = target(fileNameFromDisposition(res.headers.get('content-disposition')));
    const contentType = res.headers.get('content-type') ?? 'application/octet-stream';
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    const temporary = `${destination}.${process.pid}.part`;
    try {
      if (res.body) {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), fs.createWriteStream(temporary));
      } else {
        fs.writeFileSync(temporary, '');
      }
      fs.renameSync(temporary, destination);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw error;
    }
    return { path: destination, bytes: fs.statSync(destination).size, contentType };
  }
}
