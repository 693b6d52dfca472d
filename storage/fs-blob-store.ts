import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { assertByteRange, type BlobStore, BlobTooLargeError } from './blob-store';

/** Suffix of a write in progress: the temp file a `put` renames into place when it completes. */
const PARTIAL_SUFFIX = '.partial';

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
    const temp = `${target}.${randomUUID()}${PARTIAL_SUFFIX}`;
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
    const temp = `${target}.${randomUUID()}${PARTIAL_SUFFIX}`;
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

  async *list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }> {
    for await (const file of this.walk(this.filePath(prefix))) {
      if (file.path.endsWith(PARTIAL_SUFFIX)) continue;
      yield { key: path.relative(this.root, file.path).split(path.sep).join('/'), modifiedAt: file.modifiedAt };
    }
  }

  async deleteIncomplete(olderThan: Date): Promise<number> {
    let removed = 0;
    for await (const file of this.walk(this.root)) {
      if (file.path.endsWith(PARTIAL_SUFFIX) && file.modifiedAt < olderThan) {
        await fs.rm(file.path, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  /** Every file below `dir` (nothing when it does not exist), depth first. */
  private async *walk(dir: string): AsyncIterable<{ path: string; modifiedAt: Date }> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
        return;
      throw error;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) yield* this.walk(full);
      else if (entry.isFile()) {
        const stat = await fs.stat(full).catch(() => undefined);
        if (stat) yield { path: full, modifiedAt: stat.mtime };
      }
    }
  }
}
