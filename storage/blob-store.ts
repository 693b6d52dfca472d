import type { Readable } from 'node:stream';

/**
 * Where uploads, exports, error files and audio live. Keys are slash-separated paths chosen by ccflow
 * (never by users), e.g. `tenants/{tenant}/bulk/{operation}/upload.csv`.
 */
export interface BlobStore {
  /** Streams `source` into `key`; rejects (and leaves nothing behind) when more than `maxBytes` arrive. */
  put(key: string, source: Readable, options?: { maxBytes?: number }): Promise<{ bytes: number }>;
  putBuffer(key: string, data: Buffer | string): Promise<void>;
  get(key: string): Readable;
  /** A local file path for readers that need random access (ZIP central directory). */
  localPath(key: string): string;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
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
