import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { forEachZipEntry, inspectZip, type ZipLimits } from '../../activities/zip/reader';
import { writeZip, type ZipFileInput } from '../../activities/zip/writer';

const limits: ZipLimits = { maxEntries: 1000, maxTotalUncompressedBytes: 512 * 1024 * 1024, maxCompressionRatio: 1000 };

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ccflow-zip-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function target(label: string): string {
  counter += 1;
  return path.join(dir, `${counter}`, `${label}.zip`);
}

async function readAll(file: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await forEachZipEntry(file, limits, async (entry, open) => {
    const chunks: Buffer[] = [];
    for await (const chunk of await open()) chunks.push(chunk as Buffer);
    files.set(entry.name, Buffer.concat(chunks));
  });
  return files;
}

/** CSV-like rows as a stream, generated lazily. */
function csvRows(rows: number, onEnd?: () => void): Readable {
  const stream = Readable.from(
    (function* () {
      yield 'id,name\r\n';
      for (let i = 0; i < rows; i += 1) yield `${i},Queue ${i}\r\n`;
    })(),
    { objectMode: false },
  );
  if (onEnd) stream.on('end', onEnd);
  return stream;
}

async function leftovers(file: string): Promise<string[]> {
  return readdir(path.dirname(file)).catch(() => []);
}

describe('writeZip', () => {
  it('writes buffers and streams under nested names, readable by the ZIP reader', async () => {
    const file = target('export');
    const result = await writeZip(file, [
      { name: 'queues/queues-0001.csv', content: Buffer.from('id,name\r\n1,Sales\r\n') },
      { name: 'queues/queues-0002.csv', content: csvRows(10_000) },
      { name: 'README.txt', content: Buffer.alloc(0) },
    ]);
    expect(result).toEqual({ bytes: (await stat(file)).size, entries: 3 });
    const files = await readAll(file);
    expect([...files.keys()]).toEqual(['queues/queues-0001.csv', 'queues/queues-0002.csv', 'README.txt']);
    expect(files.get('queues/queues-0001.csv')?.toString()).toBe('id,name\r\n1,Sales\r\n');
    const expected: string[] = [];
    for await (const chunk of csvRows(10_000)) expected.push(String(chunk));
    expect(files.get('queues/queues-0002.csv')?.toString()).toBe(expected.join(''));
    expect(files.get('README.txt')?.length).toBe(0);
    // Deflated: the repetitive CSV takes far less room than its text.
    expect(result.bytes).toBeLessThan(expected.join('').length / 2);
    expect(await leftovers(file)).toEqual(['export.zip']);
  });

  it('writes an empty archive', async () => {
    const file = target('empty');
    expect(await writeZip(file, [])).toMatchObject({ entries: 0 });
    expect(await inspectZip(file, limits)).toEqual([]);
  });

  it('pulls the next file only after the previous one has been consumed', async () => {
    const file = target('lazy');
    const ended: boolean[] = [];
    const events: string[] = [];
    async function* files(): AsyncGenerator<ZipFileInput> {
      for (let i = 0; i < 3; i += 1) {
        events.push(`pull ${i}; previous ended: ${i === 0 ? 'n/a' : String(ended[i - 1])}`);
        ended[i] = false;
        yield {
          name: `part-${i}.csv`,
          content: csvRows(5_000, () => {
            ended[i] = true;
          }),
        };
      }
    }
    const result = await writeZip(file, files());
    expect(result.entries).toBe(3);
    expect(events).toEqual([
      'pull 0; previous ended: n/a',
      'pull 1; previous ended: true',
      'pull 2; previous ended: true',
    ]);
    expect((await inspectZip(file, limits)).map((entry) => entry.name)).toEqual([
      'part-0.csv',
      'part-1.csv',
      'part-2.csv',
    ]);
  });

  it('streams a 20 MiB file through to disk', async () => {
    const file = target('large');
    const chunks = 320;
    const written = createHash('sha256');
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < chunks; i += 1) {
          const chunk = randomBytes(64 * 1024);
          written.update(chunk);
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
    expect(await writeZip(file, [{ name: 'big.csv', content: source }])).toMatchObject({ entries: 1 });
    const read = createHash('sha256');
    await forEachZipEntry(file, limits, async (entry, open) => {
      expect(entry.uncompressedSize).toBe(chunks * 64 * 1024);
      for await (const chunk of await open()) read.update(chunk as Buffer);
    });
    expect(read.digest('hex')).toBe(written.digest('hex'));
  });

  describe('rejects unsafe or ambiguous names and leaves nothing behind', () => {
    it.each([
      ['../evil.csv', 'escapes the archive root'],
      ['a/../../evil.csv', 'escapes the archive root'],
      ['/abs.csv', 'is an absolute path'],
      ['C:/evil.csv', 'starts with a drive letter'],
      ['a\\b.csv', 'use a normalised relative file path'],
      ['./a.csv', 'use a normalised relative file path'],
      ['a//b.csv', 'use a normalised relative file path'],
      ['folder/', 'use a normalised relative file path'],
      ['', 'has an empty name'],
      ['bad\nname.csv', 'contains control characters'],
    ])('%j', async (name, problem) => {
      const file = target('bad-name');
      const first = csvRows(10);
      await expect(
        writeZip(file, [
          { name: 'ok.csv', content: first },
          { name, content: Buffer.from('x') },
        ]),
      ).rejects.toThrow(problem);
      expect(await leftovers(file)).toEqual([]);
    });

    it('duplicate names', async () => {
      const file = target('duplicate');
      await expect(
        writeZip(file, [
          { name: 'a.csv', content: Buffer.from('1') },
          { name: 'a.csv', content: Buffer.from('2') },
        ]),
      ).rejects.toThrow('duplicate ZIP entry name "a.csv"');
      expect(await leftovers(file)).toEqual([]);
    });
  });

  it('fails with the source error when a stream breaks, removing the partial file', async () => {
    const file = target('broken');
    const broken = Readable.from(
      (async function* () {
        yield 'id,name\r\n';
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('database cursor lost');
      })(),
      { objectMode: false },
    );
    await expect(
      writeZip(file, [
        { name: 'a.csv', content: Buffer.from('1') },
        { name: 'b.csv', content: broken },
      ]),
    ).rejects.toThrow('database cursor lost');
    expect(await leftovers(file)).toEqual([]);
  });

  it('fails when the iterable fails, removing the partial file', async () => {
    const file = target('iterable');
    async function* files(): AsyncGenerator<ZipFileInput> {
      yield { name: 'a.csv', content: csvRows(100) };
      throw new Error('export query failed');
    }
    await expect(writeZip(file, files())).rejects.toThrow('export query failed');
    expect(await leftovers(file)).toEqual([]);
  });

  it('replaces an existing file atomically', async () => {
    const file = target('replace');
    await writeZip(file, [{ name: 'old.csv', content: Buffer.from('old') }]);
    await writeZip(file, [{ name: 'new.csv', content: Buffer.from('new') }]);
    expect((await inspectZip(file, limits)).map((entry) => entry.name)).toEqual(['new.csv']);
    expect(await leftovers(file)).toEqual(['replace.zip']);
  });
});
