import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { RandomAccessReader } from 'yauzl';
import type { BlobStore } from '../../storage/blob-store';
import { FsBlobStore } from '../../storage/fs-blob-store';

/**
 * Random access to a ZIP kept in a blob store: yauzl reads the central directory and each entry through ranged
 * reads of the store, so any BlobStore (filesystem or S3-compatible) can hold uploads. Failures of the store are
 * marked, so the reader can tell an infrastructure problem from a corrupt upload.
 */

/** Errors raised by the blob store while a ZIP is read: infrastructure problems, whatever their message. */
const storeErrors = new WeakSet<Error>();

function markStoreError(error: unknown): void {
  if (error instanceof Error) storeErrors.add(error);
}

/**
 * fs/libuv failures (missing file, EIO) carry `syscall`, and any failure of the blob store is marked as it passes; they
 * are infrastructure problems, not the uploader's.
 */
export function isInfrastructureError(error: unknown): error is Error {
  return error instanceof Error && ('syscall' in error || storeErrors.has(error));
}

/** A ZIP in a blob store. */
export interface ZipBlob {
  blobs: BlobStore;
  key: string;
}

/** A ZIP in a blob store, or a local file path (tools and tests), read as a blob of a store rooted at its folder. */
export type ZipSource = ZipBlob | string;

/** The blob a source names; the ZIP writer accepts the same sources. */
export function zipBlobOf(source: ZipSource): ZipBlob {
  if (typeof source !== 'string') return source;
  return { blobs: new FsBlobStore(path.dirname(source)), key: path.basename(source) };
}

/**
 * Central-directory records and local headers are read in windows of this size, so reading a directory costs a few
 * ranged reads rather than two per record; entry data is streamed by its own ranged read.
 */
const READ_WINDOW_BYTES = 64 * 1024;

/**
 * yauzl reads through this: small positional reads (`read`) are served from the last two fetched windows (one tracks
 * the central directory while the other holds the local header of the entry being opened), and entry data is one
 * ranged read of the store per stream, so concurrent entry streams are independent and destroying one mid-read is
 * safe. yauzl calls close() once the ZipFile is closed and every entry stream has ended or been destroyed; `closed`
 * then also waits for the store's streams to close (for files: their descriptors).
 */
export class BlobRangeReader extends RandomAccessReader {
  readonly closed: Promise<void>;
  private markClosed: () => void = () => undefined;
  private windows: { start: number; data: Buffer }[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly blob: ZipBlob,
    private readonly size: number,
  ) {
    super();
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  /** Bytes [start, end) from the store, tracked until the stream closes; its errors are marked as the store's. */
  private range(start: number, end: number): Readable {
    let stream: Readable;
    try {
      stream = this.blob.blobs.getRange(this.blob.key, start, end);
    } catch (error) {
      markStoreError(error);
      throw error;
    }
    stream.on('error', markStoreError);
    const done = finished(stream).then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
    return stream;
  }

  /** Up to `length` bytes at `position` (fewer only when the blob ends first). */
  async bytes(position: number, length: number): Promise<Buffer> {
    const end = position + length;
    const index = this.windows.findIndex((w) => w.start <= position && end <= w.start + w.data.length);
    const cached = this.windows[index];
    if (cached) {
      if (index > 0) this.windows = [cached, ...this.windows.filter((w) => w !== cached)];
      return cached.data.subarray(position - cached.start, end - cached.start);
    }
    const windowEnd = Math.max(end, Math.min(this.size, position + READ_WINDOW_BYTES));
    const chunks: Buffer[] = [];
    for await (const chunk of this.range(position, windowEnd)) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks).subarray(0, windowEnd - position);
    this.windows = [{ start: position, data }, ...this.windows].slice(0, 2);
    return data.subarray(0, length);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return this.range(start, end);
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (error: Error | null) => void,
  ): void {
    // yauzl's callback also takes bytesRead (fs.read semantics; its typings omit it) to detect a truncated file.
    const done = callback as (error: Error | null, bytesRead?: number) => void;
    this.bytes(position, length).then(
      (data) => done(null, data.copy(buffer, offset)),
      (error: Error) => done(error),
    );
  }

  /** Resolves once every stream this reader opened on the store has closed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  override close(callback: (error: Error | null) => void): void {
    this.windows = [];
    void this.idle().then(() => {
      this.markClosed();
      callback(null);
    });
  }
}
