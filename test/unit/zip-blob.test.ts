import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { forEachCsvSource, isZipBlob, type CsvRecord } from '../../activities/bulk/csv-sources';
import {
  ZipRejectedError,
  forEachZipEntry,
  inspectZip,
  type ZipEntryInfo,
  type ZipLimits,
} from '../../activities/zip/reader';
import { writeZip } from '../../activities/zip/writer';
import { MemoryBlobStore, NoSuchBlobError } from '../support/memory-blob-store';

/** ZIPs read and written through a BlobStore that is not a filesystem (the shape of an S3-compatible store). */

const roomy: ZipLimits = { maxEntries: 1000, maxTotalUncompressedBytes: 200 * 1024 * 1024, maxCompressionRatio: 100 };

interface FixtureEntry {
  name: string;
  data?: Buffer;
  compress?: boolean;
  directory?: boolean;
}

async function zipBuffer(entries: FixtureEntry[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    if (entry.directory) zip.addEmptyDirectory(entry.name);
    else zip.addBuffer(entry.data ?? Buffer.alloc(0), entry.name, { compress: entry.compress ?? true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function storeWith(key: string, data: Buffer): Promise<MemoryBlobStore> {
  const blobs = new MemoryBlobStore();
  await blobs.putBuffer(key, data);
  return blobs;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readAll(blobs: MemoryBlobStore, key: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await forEachZipEntry({ blobs, key }, roomy, async (entry, open) => {
    files.set(entry.name, await bytesOf(await open()));
  });
  return files;
}

const KEY = 'tenants/t1/bulk/op1/upload.zip';

describe('reading a ZIP from a blob store', () => {
  it('lists and streams every entry, closing every ranged read', async () => {
    const welcome = randomBytes(300_000);
    const blobs = await storeWith(
      KEY,
      await zipBuffer([
        { name: 'root.wav', data: Buffer.from('root') },
        { name: 'a/', directory: true },
        { name: 'a/b/welcome.wav', data: welcome },
        { name: 'a/stored.wav', data: Buffer.from('stored bytes'), compress: false },
        { name: 'a/empty.wav' },
      ]),
    );
    const listed: ZipEntryInfo[] = await inspectZip({ blobs, key: KEY }, roomy);
    expect(listed.map((entry) => entry.name)).toEqual([
      'root.wav',
      'a/',
      'a/b/welcome.wav',
      'a/stored.wav',
      'a/empty.wav',
    ]);
    const files = await readAll(blobs, KEY);
    expect([...files.keys()]).toEqual(['root.wav', 'a/b/welcome.wav', 'a/stored.wav', 'a/empty.wav']);
    expect(files.get('root.wav')?.toString()).toBe('root');
    expect(files.get('a/b/welcome.wav')?.equals(welcome)).toBe(true);
    expect(files.get('a/stored.wav')?.toString()).toBe('stored bytes');
    expect(files.get('a/empty.wav')?.length).toBe(0);
    expect(blobs.openStreams).toBe(0);
  });

  it('reads a central directory of many records in a few ranged reads', async () => {
    const entries = Array.from({ length: 800 }, (_, index) => ({
      name: `queues/queue-${String(index).padStart(4, '0')}.csv`,
      data: Buffer.from(`id,name\r\n${index},Queue ${index}\r\n`),
    }));
    const blobs = await storeWith(KEY, await zipBuffer(entries));
    expect(await inspectZip({ blobs, key: KEY }, roomy)).toHaveLength(800);
    // 800 records of ~100 bytes: the end-of-archive window, then 64 KiB windows; not two reads per record.
    expect(blobs.ranges.length).toBeLessThanOrEqual(4);
    expect(blobs.openStreams).toBe(0);
  });

  it('reads only the opened entries: one local-header read and one data read each', async () => {
    const entries = Array.from({ length: 50 }, (_, index) => ({ name: `f${index}.wav`, data: randomBytes(100_000) }));
    const blobs = await storeWith(KEY, await zipBuffer(entries));
    let opened = 0;
    await forEachZipEntry({ blobs, key: KEY }, roomy, async (entry, open) => {
      if (entry.name !== 'f7.wav' && entry.name !== 'f42.wav') return;
      expect(
        (await bytesOf(await open())).equals(entries[Number(entry.name.slice(1, -4))]?.data ?? Buffer.alloc(0)),
      ).toBe(true);
      opened += 1;
    });
    expect(opened).toBe(2);
    // Each pass: one read of the archive's end, which holds this small directory. Each opened entry: one read of its
    // local header and one of its data. Entries that are not opened cost nothing.
    expect(blobs.ranges).toHaveLength(2 + 2 * 2);
    expect(blobs.openStreams).toBe(0);
  });

  it('applies the safety checks unchanged', async () => {
    const bomb = await zipBuffer([{ name: 'zeros.wav', data: Buffer.alloc(20 * 1024 * 1024) }]);
    const blobs = await storeWith(KEY, bomb);
    const error = await inspectZip({ blobs, key: KEY }, roomy).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ZipRejectedError);
    expect(error).toMatchObject({ reason: 'compression-ratio' });
    expect((error as Error).message).toMatch(/^ZIP entry "zeros.wav" expands \d+:1; the limit is 100:1$/);

    await blobs.putBuffer('text.csv', 'id,name\n1,queue\n');
    await expect(inspectZip({ blobs, key: 'text.csv' }, roomy)).rejects.toMatchObject({
      reason: 'not-a-zip',
      message: 'the file is not a ZIP archive',
    });

    const archive = await zipBuffer([{ name: 'a.csv', data: randomBytes(5000) }]);
    await blobs.putBuffer('truncated.zip', archive.subarray(0, archive.length - 10));
    await expect(inspectZip({ blobs, key: 'truncated.zip' }, roomy)).rejects.toMatchObject({ reason: 'corrupt' });
    expect(blobs.openStreams).toBe(0);
  });

  describe('lets store failures through unchanged, never as a rejected ZIP', () => {
    it('a missing blob', async () => {
      const blobs = new MemoryBlobStore();
      const error = await inspectZip({ blobs, key: KEY }, roomy).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NoSuchBlobError);
    });

    it('a failing read of the central directory', async () => {
      const blobs = await storeWith(KEY, await zipBuffer([{ name: 'a.csv', data: Buffer.from('a') }]));
      const outage = new Error('503 Slow Down');
      blobs.failRange = () => outage;
      expect(await inspectZip({ blobs, key: KEY }, roomy).catch((caught: unknown) => caught)).toBe(outage);
      expect(blobs.openStreams).toBe(0);
    });

    it('a failing read of entry data', async () => {
      const archive = await zipBuffer([{ name: 'a.wav', data: randomBytes(200_000), compress: false }]);
      const blobs = await storeWith(KEY, archive);
      const outage = new Error('connection reset');
      blobs.failRange = (start, end) => (end - start === 200_000 ? outage : undefined); // the entry's data

      const error = await forEachZipEntry({ blobs, key: KEY }, roomy, async (_entry, open) => {
        await bytesOf(await open());
      }).catch((caught: unknown) => caught);
      expect(error).toBe(outage);
      expect(blobs.openStreams).toBe(0);
    });
  });
});

describe('writing a ZIP to a blob store', () => {
  it('streams the archive into put and reads it back', async () => {
    const blobs = new MemoryBlobStore();
    const big = randomBytes(150_000);
    const result = await writeZip({ blobs, key: 'exports/result.zip' }, [
      { name: 'queues/queues-001.csv', content: Buffer.from('id,name\r\n1,Sales\r\n') },
      { name: 'queues/queues-002.csv', content: Readable.from([big.subarray(0, 1000), big.subarray(1000)]) },
    ]);
    expect(result).toEqual({ bytes: blobs.blobs.get('exports/result.zip')?.length, entries: 2 });
    const files = await readAll(blobs, 'exports/result.zip');
    expect(files.get('queues/queues-001.csv')?.toString()).toBe('id,name\r\n1,Sales\r\n');
    expect(files.get('queues/queues-002.csv')?.equals(big)).toBe(true);
  });

  it('leaves the previous blob in place when writing fails', async () => {
    const blobs = new MemoryBlobStore();
    await writeZip({ blobs, key: 'upload.zip' }, [{ name: 'old.csv', content: Buffer.from('old') }]);
    const before = blobs.blobs.get('upload.zip');
    async function* files() {
      yield { name: 'new.csv', content: Buffer.from('new') };
      throw new Error('staging file lost');
    }
    await expect(writeZip({ blobs, key: 'upload.zip' }, files())).rejects.toThrow('staging file lost');
    expect(blobs.blobs.get('upload.zip')).toBe(before);
    await expect(
      writeZip({ blobs, key: 'other.zip' }, [{ name: '../escape.csv', content: Buffer.from('x') }]),
    ).rejects.toThrow('escapes the archive root');
    expect(blobs.blobs.has('other.zip')).toBe(false);
  });
});

describe('bulk uploads in a blob store', () => {
  async function collect(blobs: MemoryBlobStore, key: string, name: string): Promise<Record<string, CsvRecord[]>> {
    const seen: Record<string, CsvRecord[]> = {};
    await forEachCsvSource(blobs, key, name, async (source) => {
      const records: CsvRecord[] = [];
      for await (const record of source.records) records.push(record);
      seen[source.fileName] = records;
    });
    return seen;
  }

  it('reads a CSV upload and a ZIP of CSVs', async () => {
    const blobs = new MemoryBlobStore();
    await blobs.putBuffer('upload.csv', 'id,name\r\n1,Sales\r\n');
    await blobs.putBuffer(
      'upload.zip',
      await zipBuffer([
        { name: 'sites/a.csv', data: Buffer.from('id,name\r\n1,A\r\n') },
        { name: '__MACOSX/._a.csv', data: Buffer.from('noise') },
        { name: 'b.csv', data: Buffer.from('id,name\r\n2,B\r\n3,C\r\n') },
      ]),
    );
    expect(await isZipBlob(blobs, 'upload.csv')).toBe(false);
    expect(await isZipBlob(blobs, 'upload.zip')).toBe(true);
    expect(await collect(blobs, 'upload.csv', 'queues.csv')).toEqual({
      'queues.csv': [
        { line: 1, cells: ['id', 'name'] },
        { line: 2, cells: ['1', 'Sales'] },
      ],
    });
    expect(await collect(blobs, 'upload.zip', 'sites.zip')).toEqual({
      'sites/a.csv': [
        { line: 1, cells: ['id', 'name'] },
        { line: 2, cells: ['1', 'A'] },
      ],
      'b.csv': [
        { line: 1, cells: ['id', 'name'] },
        { line: 2, cells: ['2', 'B'] },
        { line: 3, cells: ['3', 'C'] },
      ],
    });
    expect(blobs.openStreams).toBe(0);
  });

  it('rejects an unsafe ZIP upload with the uploader-facing message', async () => {
    const blobs = new MemoryBlobStore();
    await blobs.putBuffer('upload.zip', await zipBuffer([{ name: 'a.csv', data: Buffer.alloc(6 * 1024 * 1024, 'a') }]));
    await expect(collect(blobs, 'upload.zip', 'queues.zip')).rejects.toThrow(
      /^ZIP "queues.zip" rejected: ZIP entry "a.csv" /,
    );
  });
});
