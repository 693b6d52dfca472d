/**
 * The few ccflow API calls the benchmarks make, over real HTTP (Node's fetch), with the tenant's API key. Bodies are
 * typed as the API's own operation view (api/bulk/views.ts); error bodies are problem+json.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { OperationView } from '../api/bulk/views';

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.apiKey}` };
  }

  /** POST /v1/bulk/operations; fields go before the file (they choose the upload limit while it streams). */
  async submit(fields: Record<string, string>, file?: { content: Blob; name: string }): Promise<OperationView> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (file) form.append('file', file.content, file.name);
    const res = await fetch(`${this.baseUrl}/v1/bulk/operations`, {
      method: 'POST',
      headers: this.headers(),
      body: form,
    });
    const body = (await res.json()) as OperationView;
    if (res.status !== 202) throw new Error(`submission refused: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  async operation(id: string): Promise<OperationView> {
    const res = await fetch(`${this.baseUrl}/v1/bulk/operations/${id}`, { headers: this.headers() });
    if (res.status !== 200) throw new Error(`GET operation ${id}: ${res.status} ${await res.text()}`);
    return (await res.json()) as OperationView;
  }

  /** Polls every `intervalMs` until the operation has ended (any final status); fails after `timeoutMs`. */
  async waitUntilEnded(id: string, timeoutMs: number, intervalMs = 100): Promise<OperationView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = await this.operation(id);
      if (body.status !== 'new' && body.status !== 'inProgress') return body;
      if (Date.now() > deadline) throw new Error(`operation ${id} still ${body.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Streams a download to a file; returns its size. */
  async download(path: string, target: string): Promise<{ bytes: number; contentType: string }> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.headers() });
    if (res.status !== 200 || !res.body) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    let bytes = 0;
    const source = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    source.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(source, createWriteStream(target));
    return { bytes, contentType: res.headers.get('content-type') ?? '' };
  }
}

/** Asserts an operation ended `completed` with exactly these counts. */
export function expectCompleted(body: OperationView, total: number): void {
  const { status, counts } = body;
  if (status !== 'completed' || counts.total !== total || counts.succeeded !== total || counts.failed !== 0) {
    throw new Error(
      `operation ${body.id} ended ${status} with counts ${JSON.stringify(counts)} (expected completed ${total}/${total}/0)` +
        (body.failureReason ? `: ${body.failureReason}` : ''),
    );
  }
}
