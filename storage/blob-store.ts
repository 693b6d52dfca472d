import type { Readable } from 'node:stream';

/**
 * Where uploads, exports, error files and audio live. Keys are slash-separated paths chosen by ccflow
 * (never by users), e.g. `tenants/{tenant}/bulk/{operation}/upload.csv`.
 *
 * Every read and write is a stream, so a store need not be a filesystem: an S3-compatible store maps `put` to a
 * (multipart) upload, `get` and `getRange` to GET without and with a `Range` header, and `size` to HEAD.
 */
export interface BlobStore {
  /**
   * Streams `source` into `key`, replacing any previous blob only once every byte has arrived. Rejects, leaving the
   * previous blob (or nothing) behind, when more than `maxBytes` arrive or when `source` fails or is destroyed.
   */
  put(key: string, source: Readable, options?: { maxBytes?: number }): Promise<{ bytes: number }>;
  putBuffer(key: string, data: Buffer | string): Promise<void>;
  get(key: string): Readable;
  /**
   * Bytes `[start, end)` of the blob (`end` exclusive), for readers that need random access (a ZIP's central
   * directory). Fewer bytes, down to none, when the blob is shorter. A missing blob fails the stream, as with `get`.
   */
  getRange(key: string, start: number, end: number): Readable;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
  /** The stored blobs under `prefix`, with their last modification time (a sweep's view; order unspecified). */
  list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }>;
  /**
   * Removes writes that never completed and were last touched before `olderThan` (a crashed process's temp files,
   * an S3 store's abandoned multipart uploads). A backstop: every failed write already cleans up after itself.
   */
  deleteIncomplete(olderThan: Date): Promise<number>;
}

/** Throws a RangeError unless `[start, end)` is a valid byte range for {@link BlobStore.getRange}. */
export function assertByteRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range [${start}, ${end})`);
  }
}

/** Bytes `[start, end)` of a blob in memory (fewer when the blob is shorter), e.g. a file signature. */
export async function readBlobRange(blobs: BlobStore, key: string, start: number, end: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.getRange(key, start, end)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).subarray(0, end - start);
}

/** A small blob (staging files, plans) as UTF-8 text. */
export async function readBlobText(blobs: BlobStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`upload exceeds the limit of ${maxBytes} bytes`);
  }
}
