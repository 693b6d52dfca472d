import { Readable } from 'node:stream';
import { assertByteRange, type BlobStore, BlobTooLargeError } from '../../storage/blob-store';

/** What an object store reports for a missing object: no `syscall`, unlike a filesystem error. */
export class NoSuchBlobError extends Error {
  readonly code = 'NoSuchKey';
  constructor(readonly key: string) {
    super(`no such blob: ${key}`);
  }
}

const CHUNK_BYTES = 16 * 1024;

/**
 * A BlobStore that is not a filesystem, as an S3-compatible store would be: blobs are buffers, every read is a stream
 * delivered in chunks, and `put` publishes a blob only once its source has ended. It records ranged reads and counts
 * streams that have not closed yet, and `failRange` injects store failures.
 */
export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Buffer>();
  private readonly createdAt = new Date();
  /** Every `getRange` call, as [start, end). */
  readonly ranges: [number, number][] = [];
  /** Returns an error to fail that ranged read with (emitted by its stream), or undefined to serve it. */
  failRange: (start: number, end: number) => Error | undefined = () => undefined;
  private liveStreams = 0;

  /** Read streams created and not closed yet. */
  get openStreams(): number {
    return this.liveStreams;
  }

  async put(key: string, source: Readable, options: { maxBytes?: number } = {}): Promise<{ bytes: number }> {
    const limit = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of source) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      bytes += buffer.length;
      if (bytes > limit) {
        source.destroy();
        throw new BlobTooLargeError(limit);
      }
      chunks.push(buffer);
    }
    this.blobs.set(key, Buffer.concat(chunks));
    return { bytes };
  }

  async putBuffer(key: string, data: Buffer | string): Promise<void> {
    this.blobs.set(key, Buffer.from(data));
  }

  get(key: string): Readable {
    const data = this.blobs.get(key);
    return this.stream(data ?? new NoSuchBlobError(key));
  }

  getRange(key: string, start: number, end: number): Readable {
    assertByteRange(start, end);
    this.ranges.push([start, end]);
    const data = this.blobs.get(key);
    return this.stream(this.failRange(start, end) ?? data?.subarray(start, end) ?? new NoSuchBlobError(key));
  }

  async exists(key: string): Promise<boolean> {
    return this.blobs.has(key);
  }

  async size(key: string): Promise<number> {
    const data = this.blobs.get(key);
    if (!data) throw new NoSuchBlobError(key);
    return data.length;
  }

  async delete(key: string): Promise<void> {
    this.blobs.delete(key);
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const key of [...this.blobs.keys()])
      if (key === prefix || key.startsWith(`${prefix}/`)) this.blobs.delete(key);
  }

  async *list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }> {
    for (const key of this.blobs.keys()) if (key.startsWith(prefix)) yield { key, modifiedAt: this.createdAt };
  }

  /** Memory writes complete or vanish with the process: nothing is ever left incomplete. */
  async deleteIncomplete(): Promise<number> {
    return 0;
  }

  private stream(content: Buffer | Error): Readable {
    let offset = 0;
    const stream = new Readable({
      read() {
        if (content instanceof Error) {
          this.destroy(content);
          return;
        }
        // Asynchronous like a network read, so consumers cannot rely on data arriving in the same tick.
        setImmediate(() => {
          if (offset >= content.length) {
            this.push(null);
            return;
          }
          const chunk = content.subarray(offset, offset + CHUNK_BYTES);
          offset += chunk.length;
          this.push(chunk);
        });
      },
    });
    this.liveStreams += 1;
    stream.once('close', () => {
      this.liveStreams -= 1;
    });
    return stream;
  }
}
