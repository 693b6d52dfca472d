import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { type BlobStore, readBlobRange } from '../../storage/blob-store';
import { FsBlobStore } from '../../storage/fs-blob-store';
import { MemoryBlobStore } from '../support/memory-blob-store';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ccflow-blob-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let counter = 0;
const stores: [string, () => BlobStore][] = [
  [
    'FsBlobStore',
    () => {
      counter += 1;
      return new FsBlobStore(path.join(dir, String(counter)));
    },
  ],
  ['MemoryBlobStore', () => new MemoryBlobStore()],
];

describe.each(stores)('%s', (_name, createStore) => {
  const data = randomBytes(200_000); // several chunks of either store
  let blobs: BlobStore;
  beforeEach(async () => {
    blobs = createStore();
    await blobs.put('tenants/t1/upload.zip', Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]));
  });

  describe('getRange', () => {
    it.each([
      [0, 4],
      [0, 200_000],
      [1, 2],
      [65_535, 65_537],
      [123_456, 199_999],
      [199_999, 200_000],
    ])('reads bytes [%d, %d)', async (start, end) => {
      const read = await bytesOf(blobs.getRange('tenants/t1/upload.zip', start, end));
      expect(read.equals(data.subarray(start, end))).toBe(true);
    });

    it('reads fewer bytes when the blob ends first, and none past its end', async () => {
      expect(await bytesOf(blobs.getRange('tenants/t1/upload.zip', 199_990, 300_000))).toEqual(data.subarray(199_990));
      expect(await bytesOf(blobs.getRange('tenants/t1/upload.zip', 200_000, 200_010))).toEqual(Buffer.alloc(0));
      expect(await bytesOf(blobs.getRange('tenants/t1/upload.zip', 250_000, 250_010))).toEqual(Buffer.alloc(0));
    });

    it('reads an empty range as no bytes', async () => {
      expect(await bytesOf(blobs.getRange('tenants/t1/upload.zip', 10, 10))).toEqual(Buffer.alloc(0));
    });

    it('fails the stream for a missing blob, empty range or not', async () => {
      await expect(bytesOf(blobs.getRange('tenants/t1/missing.zip', 0, 4))).rejects.toThrow();
      await expect(bytesOf(blobs.getRange('tenants/t1/missing.zip', 0, 0))).rejects.toThrow();
    });

    it.each([
      [-1, 2],
      [3, 2],
      [0.5, 2],
      [0, Number.NaN],
      [0, Number.POSITIVE_INFINITY],
    ])('refuses the range [%d, %d)', (start, end) => {
      expect(() => blobs.getRange('tenants/t1/upload.zip', start, end)).toThrow(RangeError);
    });

    it('reads independent ranges concurrently', async () => {
      const ranges: [number, number][] = [
        [0, 100_000],
        [50_000, 150_000],
        [100_000, 200_000],
      ];
      const reads = await Promise.all(
        ranges.map(([start, end]) => bytesOf(blobs.getRange('tenants/t1/upload.zip', start, end))),
      );
      reads.forEach((read, index) => {
        const [start, end] = ranges[index] ?? [0, 0];
        expect(read.equals(data.subarray(start, end))).toBe(true);
      });
    });

    it('can be destroyed mid-read', async () => {
      const stream = blobs.getRange('tenants/t1/upload.zip', 0, 200_000);
      for await (const chunk of stream) {
        expect((chunk as Buffer).length).toBeGreaterThan(0);
        break;
      }
      expect(stream.destroyed).toBe(true);
      expect(await bytesOf(blobs.getRange('tenants/t1/upload.zip', 5, 9))).toEqual(data.subarray(5, 9));
    });
  });

  it('readBlobRange returns the range as a buffer', async () => {
    expect(await readBlobRange(blobs, 'tenants/t1/upload.zip', 0, 4)).toEqual(data.subarray(0, 4));
    expect(await readBlobRange(blobs, 'tenants/t1/upload.zip', 199_998, 200_004)).toEqual(data.subarray(199_998));
  });

  it('agrees with size() and get()', async () => {
    expect(await blobs.size('tenants/t1/upload.zip')).toBe(data.length);
    expect((await bytesOf(blobs.get('tenants/t1/upload.zip'))).equals(data)).toBe(true);
  });

  it('put replaces a blob only when its source ends; a failing source leaves the previous blob', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('partial');
        throw new Error('source failed');
      })(),
      { objectMode: false },
    );
    await expect(blobs.put('tenants/t1/upload.zip', failing)).rejects.toThrow('source failed');
    expect((await readBlobRange(blobs, 'tenants/t1/upload.zip', 0, 200_000)).equals(data)).toBe(true);
  });
});

describe('FsBlobStore', () => {
  it('refuses keys that leave its root, for ranged reads too', async () => {
    const blobs = new FsBlobStore(path.join(dir, 'root'));
    expect(() => blobs.getRange('../outside.zip', 0, 4)).toThrow('invalid blob key: ../outside.zip');
    expect(() => blobs.getRange('/etc/passwd', 0, 4)).toThrow('invalid blob key: /etc/passwd');
    await expect(blobs.size('a/../../outside.zip')).rejects.toThrow('invalid blob key');
  });

  it('reports a missing file as the filesystem error', async () => {
    const blobs = new FsBlobStore(path.join(dir, 'root'));
    await expect(bytesOf(blobs.getRange('missing.zip', 0, 4))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(bytesOf(blobs.getRange('missing.zip', 0, 0))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves no temp file behind when a put fails', async () => {
    const root = path.join(dir, 'failed-put');
    const blobs = new FsBlobStore(root);
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('partial');
        throw new Error('source failed');
      })(),
      { objectMode: false },
    );
    await expect(blobs.put('a/b.zip', failing)).rejects.toThrow('source failed');
    expect(await readdir(path.join(root, 'a'))).toEqual([]);
  });
});
