import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { assertByteRange, type BlobStore, BlobTooLargeError } from './blob-store';

/** Filesystem blob store: writes go to a temp file renamed into place, so readers never see a partial blob. */
export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  /** The file behind `key`; keys that would leave the root are refused. */
  private filePath(key: string): string {
    const normalized = path.posix.normalize(key);
    if (normalized.startsWith('..') || path.posix.isAbsolute(normalized)) throw new Error(`invalid blob key: ${key}`);
    return path.join(this.root, normalized);
  }

  async put(key: string, source: Readable, options: { maxBytes?: number } = {}): Promise<{ bytes: number }> {
    const target = this.filePath(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomUUID()}.partial`;
    let bytes = 0;
    const limit = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > limit) callback(new BlobTooLargeError(limit));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(temp));
      await fs.rename(temp, target);
      return { bytes };
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }

  async putBuffer(key: string, data: Buffer | string): Promise<void> {
    const target = this.filePath(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomUUID()}.partial`;
    await fs.writeFile(temp, data);
    await fs.rename(temp, target);
  }

  get(key: string): Readable {
    return createReadStream(this.filePath(key));
  }

  getRange(key: string, start: number, end: number): Readable {
    assertByteRange(start, end);
    const file = this.filePath(key);
    // createReadStream's `end` is inclusive and cannot express an empty range; a missing file still fails the stream.
    if (end > start) return createReadStream(file, { start, end: end - 1 });
    return new Readable({
      construct(callback) {
        fs.access(file).then(() => callback(), callback);
      },
      read() {
        this.push(null);
      },
    });
  }

  async exists(key: string): Promise<boolean> {
    return fs.access(this.filePath(key)).then(
      () => true,
      () => false,
    );
  }

  async size(key: string): Promise<number> {
    return (await fs.stat(this.filePath(key))).size;
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.filePath(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await fs.rm(this.filePath(prefix), { recursive: true, force: true });
  }
}
