import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import {
  ZipRejectedError,
  forEachZipEntry,
  inspectZip,
  type ZipEntryInfo,
  type ZipLimits,
  type ZipRejectionReason,
} from '../../activities/zip/reader';
import { MemoryBlobStore } from '../support/memory-blob-store';

const MiB = 1024 * 1024;
const roomy: ZipLimits = { maxEntries: 100, maxTotalUncompressedBytes: 200 * MiB, maxCompressionRatio: 100 };

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ccflow-zip-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface FixtureEntry {
  name: string;
  /** A buffer, or a factory for a stream (large fixtures are generated, never held in memory). */
  data?: Buffer | (() => Readable);
  compress?: boolean;
  mode?: number;
  directory?: boolean;
}

function fixturePath(label: string): string {
  counter += 1;
  return path.join(dir, `${counter}-${label}`);
}

async function makeZip(label: string, entries: FixtureEntry[]): Promise<string> {
  const zip = new ZipFile();
  for (const entry of entries) {
    const options = { compress: entry.compress ?? true, ...(entry.mode === undefined ? {} : { mode: entry.mode }) };
    if (entry.directory) zip.addEmptyDirectory(entry.name);
    else if (typeof entry.data === 'function') zip.addReadStream(entry.data(), entry.name, options);
    else zip.addBuffer(entry.data ?? Buffer.alloc(0), entry.name, options);
  }
  zip.end();
  const target = fixturePath(`${label}.zip`);
  await pipeline(zip.outputStream, createWriteStream(target));
  return target;
}

/** `size` bytes of zeros as a stream of 64 KiB chunks. */
function zeros(size: number): () => Readable {
  return () =>
    Readable.from(
      (function* () {
        const chunk = Buffer.alloc(64 * 1024);
        for (let left = size; left > 0; left -= chunk.length)
          yield left >= chunk.length ? chunk : chunk.subarray(0, left);
      })(),
      { objectMode: false },
    );
}

/** A 1 MiB block of chained SHA-256 digests: incompressible, and deflate cannot see repeats 1 MiB apart. */
const noiseBlock = (() => {
  const block = Buffer.alloc(MiB);
  let seed = Buffer.from('ccflow');
  for (let i = 0; i < block.length; i += 32) {
    seed = createHash('sha256').update(seed).digest();
    seed.copy(block, i);
  }
  return block;
})();

/** Deterministic incompressible bytes as a stream of 64 KiB chunks (block i has its first byte set to i). */
function pseudoRandom(size: number): () => Readable {
  return () =>
    Readable.from(
      (function* () {
        for (let offset = 0; offset < size; offset += 64 * 1024) {
          const chunk = Buffer.from(noiseBlock.subarray(offset % MiB, Math.min((offset % MiB) + 64 * 1024, MiB)));
          chunk[0] = Math.floor(offset / MiB) & 0xff;
          yield chunk.subarray(0, Math.min(chunk.length, size - offset));
        }
      })(),
      { objectMode: false },
    );
}

/** The first `bytes` bytes of a stream; stops reading (and destroys the stream) once it has them. */
async function readPrefix(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= bytes) break;
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface CentralRecord {
  offset: number;
  name: string;
  localOffset: number;
}

function centralDirectory(zip: Buffer): CentralRecord[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const records: CentralRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    expect(zip.readUInt32LE(offset)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(offset + 28);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    records.push({ offset, name, localOffset: zip.readUInt32LE(offset + 42) });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return records;
}

function record(zip: Buffer, name: string): CentralRecord {
  const found = centralDirectory(zip).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no central directory record ${name}`);
  return found;
}

/** Rewrites a ZIP file in place; `patch` edits the bytes (header fields yazl will not let us write). */
async function patchZip(file: string, patch: (zip: Buffer) => void): Promise<string> {
  const zip = await readFile(file);
  patch(zip);
  await writeFile(file, zip);
  return file;
}

/** Renames an entry in its local header and central record; `from` and `to` must have the same byte length. */
function rename(zip: Buffer, from: string, to: string): void {
  const source = Buffer.from(from);
  const target = Buffer.from(to);
  expect(target.length).toBe(source.length);
  let hits = 0;
  for (let at = zip.indexOf(source); at !== -1; at = zip.indexOf(source, at + 1)) {
    target.copy(zip, at);
    hits += 1;
  }
  expect(hits).toBe(2);
}

/** A ZIP holding one entry named `name`, built under a placeholder name yazl accepts and then patched. */
async function zipWithRawName(name: string, data = Buffer.from('RIFF\0\0\0\0WAVEfmt ')): Promise<string> {
  const placeholder = 'p'.repeat(Buffer.byteLength(name));
  const file = await makeZip('raw-name', [
    { name: 'ok.csv', data: Buffer.from('a,b') },
    { name: placeholder, data },
  ]);
  return patchZip(file, (zip) => rename(zip, placeholder, name));
}

async function rejection(promise: Promise<unknown>): Promise<ZipRejectedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ZipRejectedError);
  return error as ZipRejectedError;
}

async function expectRejected(file: string, limits: ZipLimits, reason: ZipRejectionReason, message: string | RegExp) {
  const inspected = await rejection(inspectZip(file, limits));
  expect(inspected.reason).toBe(reason);
  expect(inspected.message).toMatch(message);
  // forEachZipEntry rejects the same archive whole, before visiting anything.
  const visit = jest.fn(async () => undefined);
  const iterated = await rejection(forEachZipEntry(file, limits, visit));
  expect(iterated.reason).toBe(reason);
  expect(iterated.message).toBe(inspected.message);
  expect(visit).not.toHaveBeenCalled();
  await expectNoOpenDescriptor(file);
  // The same archive in a blob store that is not a filesystem is rejected with the same message.
  const blobs = new MemoryBlobStore();
  await blobs.putBuffer('upload.zip', await readFile(file));
  const fromStore = await rejection(forEachZipEntry({ blobs, key: 'upload.zip' }, limits, visit));
  expect(fromStore.reason).toBe(reason);
  expect(fromStore.message).toBe(inspected.message);
  expect(visit).not.toHaveBeenCalled();
  expect(blobs.openStreams).toBe(0);
}

/** Linux: no file descriptor of this process still points at `file`. */
async function expectNoOpenDescriptor(file: string): Promise<void> {
  if (process.platform !== 'linux') return;
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  expect(targets).not.toContain(file);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('inspectZip', () => {
  it('lists entries of nested folders with normalised names, without extracting', async () => {
    const file = await makeZip('nested', [
      { name: 'top.csv', data: Buffer.from('id,name\n1,a\n') },
      { name: 'audio/', directory: true },
      { name: 'audio/en/welcome.wav', data: Buffer.from(randomBytes(2500).toString('hex')) },
      { name: 'audio/en/stored.wav', data: Buffer.from('RIFF....WAVE'), compress: false },
      { name: 'audio/es/xx', data: Buffer.from('hola') },
      { name: './dotted.csv', data: Buffer.from('x') },
    ]);
    await patchZip(file, (zip) => rename(zip, 'audio/es/xx', 'audio\\es\\xx'));
    const entries = await inspectZip(file, roomy);
    expect(entries.map(({ name, isDirectory, uncompressedSize }) => ({ name, isDirectory, uncompressedSize }))).toEqual(
      [
        { name: 'top.csv', isDirectory: false, uncompressedSize: 12 },
        { name: 'audio/', isDirectory: true, uncompressedSize: 0 },
        { name: 'audio/en/welcome.wav', isDirectory: false, uncompressedSize: 5000 },
        { name: 'audio/en/stored.wav', isDirectory: false, uncompressedSize: 12 },
        { name: 'audio/es/xx', isDirectory: false, uncompressedSize: 4 },
        { name: 'dotted.csv', isDirectory: false, uncompressedSize: 1 },
      ],
    );
    const welcome = entries[2];
    expect(welcome?.compressedSize).toBeGreaterThan(0);
    expect(welcome?.compressedSize).toBeLessThan(5000);
    expect(entries[3]?.compressedSize).toBe(12);
  });

  it('accepts an empty archive', async () => {
    expect(await inspectZip(await makeZip('empty', []), roomy)).toEqual([]);
  });

  describe('rejects path traversal, naming the entry', () => {
    it.each([
      ['../evil.wav', 'escapes the archive root'],
      ['../../etc/passwd', 'escapes the archive root'],
      ['audio/../../evil.wav', 'escapes the archive root'],
      ['a\\..\\b', 'escapes the archive root'],
      ['audio/.. /evil.wav', 'escapes the archive root'],
      ['/abs.wav', 'is an absolute path'],
      ['\\abs.wav', 'is an absolute path'],
      ['\\\\server\\share\\x.wav', 'is an absolute path'],
      ['C:\\Windows\\evil.wav', 'starts with a drive letter'],
      ['c:evil.wav', 'starts with a drive letter'],
    ])('%s', async (name, problem) => {
      const file = await zipWithRawName(name);
      await expectRejected(file, roomy, 'path-traversal', `ZIP entry "${name}" ${problem}`);
    });

    it('control characters in names (message escapes them)', async () => {
      const file = await zipWithRawName('evil.wav\0.csv');
      await expectRejected(
        file,
        roomy,
        'path-traversal',
        'ZIP entry "evil.wav\\u0000.csv" contains control characters',
      );
    });

    it('symbolic-link entries', async () => {
      const file = await makeZip('symlink', [
        { name: 'ok.wav', data: Buffer.from('x') },
        { name: 'link.wav', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
      ]);
      await expectRejected(file, roomy, 'path-traversal', 'ZIP entry "link.wav" is a symbolic link');
    });

    it('special files such as FIFOs', async () => {
      const file = await makeZip('fifo', [{ name: 'pipe.wav', data: Buffer.alloc(0), mode: 0o010644 }]);
      await expectRejected(file, roomy, 'path-traversal', 'ZIP entry "pipe.wav" is a special file');
    });
  });

  it('rejects more entries than allowed before reading any of them', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.csv`, data: Buffer.from(`${i}`) }));
    const file = await makeZip('many', entries);
    await expectRejected(
      file,
      { ...roomy, maxEntries: 10 },
      'too-many-entries',
      /^ZIP has 11 entries; the limit is 10$/,
    );
    expect(await inspectZip(file, { ...roomy, maxEntries: 11 })).toHaveLength(11);
  });

  it('counts folders as entries', async () => {
    const file = await makeZip('folders', [
      { name: 'a/', directory: true },
      { name: 'b/', directory: true },
      { name: 'a/x.csv', data: Buffer.from('x') },
    ]);
    await expectRejected(file, { ...roomy, maxEntries: 2 }, 'too-many-entries', 'ZIP has 3 entries; the limit is 2');
  });

  it('rejects when declared uncompressed sizes add up past the total limit, naming the entry that crosses it', async () => {
    const file = await makeZip('total', [
      { name: 'a.csv', data: randomBytes(600) },
      { name: 'b.csv', data: randomBytes(600) },
      { name: 'c.csv', data: randomBytes(600) },
    ]);
    await expectRejected(
      file,
      { ...roomy, maxTotalUncompressedBytes: 1500 },
      'too-large',
      'ZIP entry "c.csv" brings the ZIP\'s uncompressed size to 1800 bytes; the limit is 1500 bytes',
    );
    expect(await inspectZip(file, { ...roomy, maxTotalUncompressedBytes: 1800 })).toHaveLength(3);
  });

  it('rejects one entry larger than the per-entry limit', async () => {
    const file = await makeZip('entry-size', [
      { name: 'small.wav', data: randomBytes(100) },
      { name: 'big.wav', data: randomBytes(3000) },
    ]);
    await expectRejected(
      file,
      { ...roomy, maxEntryUncompressedBytes: 2048 },
      'too-large',
      'ZIP entry "big.wav" is 3000 bytes uncompressed; the limit per entry is 2048 bytes',
    );
  });

  describe('compression ratio', () => {
    let bomb: string;
    beforeAll(async () => {
      bomb = await makeZip('bomb', [
        { name: 'ok.wav', data: randomBytes(4096) },
        { name: 'bomb.wav', data: zeros(20 * MiB) },
      ]);
    });

    it('rejects a zip-bomb-like entry (20 MiB of zeros)', async () => {
      await expectRejected(
        bomb,
        roomy,
        'compression-ratio',
        /^ZIP entry "bomb\.wav" expands (\d{4}):1; the limit is 100:1$/,
      );
      const error = await rejection(inspectZip(bomb, roomy));
      const ratio = Number(/expands (\d+):1/.exec(error.message)?.[1]);
      expect(ratio).toBeGreaterThan(1000);
    });

    it('skips entries under 1 KiB, and honours a raised threshold', async () => {
      const file = await makeZip('tiny', [{ name: 'tiny.wav', data: Buffer.alloc(1023) }]);
      expect(await inspectZip(file, { ...roomy, maxCompressionRatio: 2 })).toHaveLength(1);
      const larger = await makeZip('small', [{ name: 'small.wav', data: Buffer.alloc(1024) }]);
      await expectRejected(larger, { ...roomy, maxCompressionRatio: 2 }, 'compression-ratio', 'ZIP entry "small.wav"');
      expect(await inspectZip(bomb, { ...roomy, minBytesForRatioCheck: 32 * MiB })).toHaveLength(2);
    });

    it('rejects entries that overlap each other (the overlapping-files zip bomb)', async () => {
      const kernel = randomBytes(4000);
      const file = await makeZip('overlap', [
        { name: 'kernel.wav', data: kernel, compress: false },
        { name: 'o1.wav', data: Buffer.from('1'), compress: false },
        { name: 'o2.wav', data: Buffer.from('2'), compress: false },
      ]);
      await patchZip(file, (zip) => {
        const crc = zip.readUInt32LE(record(zip, 'kernel.wav').offset + 16);
        for (const name of ['o1.wav', 'o2.wav']) {
          const { offset } = record(zip, name);
          zip.writeUInt32LE(crc, offset + 16);
          zip.writeUInt32LE(kernel.length, offset + 20);
          zip.writeUInt32LE(kernel.length, offset + 24);
          zip.writeUInt32LE(0, offset + 42);
        }
      });
      await expectRejected(file, roomy, 'compression-ratio', /^ZIP entry "o1\.wav" overlaps the data of other entries/);
    });
  });

  describe('encryption', () => {
    it('rejects an entry flagged as encrypted', async () => {
      const file = await makeZip('encrypted', [
        { name: 'open.wav', data: randomBytes(2000) },
        { name: 'secret.wav', data: randomBytes(2000) },
      ]);
      await patchZip(file, (zip) => {
        const { offset } = record(zip, 'secret.wav');
        zip.writeUInt16LE(zip.readUInt16LE(offset + 8) | 0x1, offset + 8);
      });
      await expectRejected(file, roomy, 'encrypted', 'ZIP entry "secret.wav" is encrypted');
    });

    it('rejects strong encryption', async () => {
      const file = await makeZip('strong', [
        { name: 'open.wav', data: randomBytes(10) },
        { name: 'secret.wav', data: randomBytes(10) },
      ]);
      await patchZip(file, (zip) => {
        const { offset } = record(zip, 'secret.wav');
        zip.writeUInt16LE(zip.readUInt16LE(offset + 8) | 0x41, offset + 8);
      });
      await expectRejected(file, roomy, 'encrypted', 'ZIP entry #2 is encrypted');
    });
  });

  describe('corrupt archives', () => {
    let good: string;
    let goodBytes: Buffer;
    beforeAll(async () => {
      good = await makeZip('good', [
        { name: 'a.csv', data: Buffer.from('id\n1\n') },
        { name: 'b.wav', data: randomBytes(3000) },
      ]);
      goodBytes = await readFile(good);
    });

    it('a truncated file', async () => {
      const file = fixturePath('truncated.zip');
      await writeFile(file, goodBytes.subarray(0, goodBytes.length - 30));
      await expectRejected(file, roomy, 'corrupt', /^ZIP is truncated or corrupt: /);
    });

    it('a damaged central directory', async () => {
      const file = fixturePath('damaged.zip');
      const bytes = Buffer.from(goodBytes);
      bytes.writeUInt32LE(0xdeadbeef, record(bytes, 'b.wav').offset);
      await writeFile(file, bytes);
      await expectRejected(file, roomy, 'corrupt', /^ZIP is corrupt at central directory record #2: /);
    });

    it('an entry pointing past the end of the file', async () => {
      const file = fixturePath('past-end.zip');
      const bytes = Buffer.from(goodBytes);
      bytes.writeUInt32LE(bytes.length, record(bytes, 'b.wav').offset + 42);
      await writeFile(file, bytes);
      await expectRejected(file, roomy, 'corrupt', 'ZIP entry "b.wav" points past the end of the file');
    });

    it('an unsupported compression method', async () => {
      const file = fixturePath('lzma.zip');
      const bytes = Buffer.from(goodBytes);
      bytes.writeUInt16LE(14, record(bytes, 'b.wav').offset + 10);
      await writeFile(file, bytes);
      await expectRejected(file, roomy, 'corrupt', 'ZIP entry "b.wav" uses compression method 14');
    });
  });

  describe('not a ZIP', () => {
    it.each([
      ['text', Buffer.from('id,name\n1,queue\n')],
      ['empty', Buffer.alloc(0)],
      ['wav', Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(100)])],
    ])('%s', async (label, content) => {
      const file = fixturePath(`${label}.bin`);
      await writeFile(file, content);
      await expectRejected(file, roomy, 'not-a-zip', 'the file is not a ZIP archive');
    });
  });

  it('lets infrastructure errors through unchanged', async () => {
    const error = await inspectZip(path.join(dir, 'missing.zip'), roomy).catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ZipRejectedError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });
});

describe('forEachZipEntry', () => {
  it('visits the files of nested folders in order, skipping folders, streaming every byte', async () => {
    const welcome = randomBytes(70_000);
    const file = await makeZip('walk', [
      { name: 'root.wav', data: Buffer.from('root') },
      { name: 'a/', directory: true },
      { name: 'a/b/', directory: true },
      { name: 'a/b/welcome.wav', data: welcome },
      { name: 'a/stored.wav', data: Buffer.from('stored bytes'), compress: false },
      { name: 'a/b/c/empty.wav', data: Buffer.alloc(0) },
    ]);
    const seen: Array<{ entry: ZipEntryInfo; content: Buffer }> = [];
    await forEachZipEntry(file, roomy, async (entry, open) => {
      const chunks: Buffer[] = [];
      for await (const chunk of await open()) chunks.push(chunk as Buffer);
      seen.push({ entry, content: Buffer.concat(chunks) });
    });
    expect(seen.map(({ entry }) => entry.name)).toEqual([
      'root.wav',
      'a/b/welcome.wav',
      'a/stored.wav',
      'a/b/c/empty.wav',
    ]);
    expect(seen.every(({ entry }) => !entry.isDirectory)).toBe(true);
    expect(seen[0]?.content.toString()).toBe('root');
    expect(seen[1]?.content.equals(welcome)).toBe(true);
    expect(seen[2]?.content.toString()).toBe('stored bytes');
    expect(seen[3]?.content.length).toBe(0);
    await expectNoOpenDescriptor(file);
  });

  it('lets a visitor read only a header, leave a stream unread, and open an entry twice', async () => {
    const file = await makeZip('partial', [
      { name: 'one.wav', data: Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE'), randomBytes(200_000)]) },
      { name: 'two.txt', data: Buffer.from('not audio at all') },
    ]);
    const headers: string[] = [];
    const again: string[] = [];
    await forEachZipEntry(file, roomy, async (_entry, open) => {
      headers.push((await readPrefix(await open(), 12)).toString('latin1'));
      const second = await open();
      await once(second, 'readable');
      again.push((second.read(4) as Buffer).toString('latin1')); // the rest stays unread
    });
    expect(headers).toEqual(['RIFF\0\0\0\0WAVE', 'not audio at']);
    expect(again).toEqual(['RIFF', 'not ']);
    await expectNoOpenDescriptor(file);
  });

  it('closes the ZIP and stops when the visitor throws, even with an unread stream open', async () => {
    const file = await makeZip('throw', [
      { name: 'a.wav', data: randomBytes(300_000) },
      { name: 'b.wav', data: randomBytes(10) },
    ]);
    const visited: string[] = [];
    const failure = new Error('visitor failed');
    const error = await forEachZipEntry(file, roomy, async (entry, open) => {
      visited.push(entry.name);
      await open();
      throw failure;
    }).catch((caught: unknown) => caught);
    expect(error).toBe(failure);
    expect(visited).toEqual(['a.wav']);
    await expectNoOpenDescriptor(file);
  });

  it('refuses to open an entry after its visitor returned', async () => {
    const file = await makeZip('late', [{ name: 'a.wav', data: Buffer.from('a') }]);
    let late: (() => Promise<Readable>) | undefined;
    await forEachZipEntry(file, roomy, async (_entry, open) => {
      late = open;
    });
    await expect(late?.()).rejects.toThrow('ZIP entry "a.wav" cannot be opened after its visitor returned');
    await expectNoOpenDescriptor(file);
  });

  it('streams a 30 MiB entry in small chunks without buffering it', async () => {
    const size = 30 * MiB;
    const file = await makeZip('large', [
      { name: 'big.wav', data: pseudoRandom(size) },
      { name: 'stored.wav', data: pseudoRandom(size), compress: false },
    ]);
    const expected = await sha256Of(pseudoRandom(size)());
    const results: Array<{ name: string; bytes: number; chunks: number; largest: number; hash: string }> = [];
    await forEachZipEntry(file, roomy, async (entry, open) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let chunks = 0;
      let largest = 0;
      for await (const chunk of await open()) {
        const buffer = chunk as Buffer;
        bytes += buffer.length;
        chunks += 1;
        largest = Math.max(largest, buffer.length);
        hash.update(buffer);
      }
      results.push({ name: entry.name, bytes, chunks, largest, hash: hash.digest('hex') });
    });
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.bytes).toBe(size);
      expect(result.hash).toBe(expected);
      expect(result.largest).toBeLessThanOrEqual(MiB);
      expect(result.chunks).toBeGreaterThanOrEqual(30);
    }
  });

  describe('guards actual bytes, not only headers', () => {
    it('stops an entry whose data is larger than its header declares', async () => {
      const declared = 100_000;
      const file = await makeZip('liar', [{ name: 'liar.wav', data: zeros(20 * MiB) }]);
      await patchZip(file, (zip) => {
        zip.writeUInt32LE(declared, record(zip, 'liar.wav').offset + 24);
      });
      expect((await inspectZip(file, roomy))[0]?.uncompressedSize).toBe(declared);
      let received = 0;
      const error = await rejection(
        forEachZipEntry(file, roomy, async (_entry, open) => {
          for await (const chunk of await open()) received += (chunk as Buffer).length;
        }),
      );
      expect(error.reason).toBe('corrupt');
      expect(error.message).toMatch(/^ZIP entry "liar\.wav" (is corrupt|holds more)/);
      expect(received).toBeLessThanOrEqual(declared);
      await expectNoOpenDescriptor(file);
    });

    it('rejects the ZIP even if the visitor swallows the stream error', async () => {
      const file = await makeZip('liar-swallowed', [{ name: 'liar.wav', data: zeros(5 * MiB) }]);
      await patchZip(file, (zip) => {
        zip.writeUInt32LE(50_000, record(zip, 'liar.wav').offset + 24);
      });
      const error = await rejection(
        forEachZipEntry(file, roomy, async (_entry, open) => {
          try {
            for await (const _chunk of await open()) {
              // drain
            }
          } catch {
            // the visitor ignores it
          }
        }),
      );
      expect(error.reason).toBe('corrupt');
      expect(error.message).toContain('ZIP entry "liar.wav"');
    });

    it('detects damaged stored data by its CRC-32', async () => {
      const data = randomBytes(5000);
      const file = await makeZip('crc', [{ name: 'damaged.wav', data, compress: false }]);
      await patchZip(file, (zip) => {
        const at = zip.indexOf(data.subarray(0, 64)) + 2500;
        zip.writeUInt8(zip.readUInt8(at) ^ 0xff, at);
      });
      const error = await rejection(
        forEachZipEntry(file, roomy, async (_entry, open) => {
          for await (const _chunk of await open()) {
            // drain
          }
        }),
      );
      expect(error.reason).toBe('corrupt');
      expect(error.message).toBe('ZIP entry "damaged.wav" is corrupt: its CRC-32 does not match');
    });

    it('reports damaged deflate data as a corrupt entry', async () => {
      const file = await makeZip('inflate', [{ name: 'broken.wav', data: pseudoRandom(200_000) }]);
      await patchZip(file, (zip) => {
        const start = record(zip, 'broken.wav').localOffset + 30 + 'broken.wav'.length;
        const extra = zip.readUInt16LE(record(zip, 'broken.wav').localOffset + 28);
        zip.fill(0xff, start + extra, start + extra + 64);
      });
      const error = await rejection(
        forEachZipEntry(file, roomy, async (_entry, open) => {
          for await (const _chunk of await open()) {
            // drain
          }
        }),
      );
      expect(error.reason).toBe('corrupt');
      expect(error.message).toMatch(new RegExp(`^${escape('ZIP entry "broken.wav"')}`));
    });
  });

  it('rejects a bad entry placed after good ones before visiting any', async () => {
    const file = await zipWithRawName('../late-evil.wav');
    const visit = jest.fn(async () => undefined);
    const error = await rejection(forEachZipEntry(file, roomy, visit));
    expect(error.reason).toBe('path-traversal');
    expect(error.message).toBe('ZIP entry "../late-evil.wav" escapes the archive root');
    expect(visit).not.toHaveBeenCalled();
  });
});
