import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { checkZipEntryName, quoteName } from './reader';

export interface ZipFileInput {
  /** Relative '/'-separated path inside the archive, e.g. `queues/queues-0001.csv`. */
  name: string;
  content: Readable | Buffer;
}

function assertEntryName(name: string, seen: Set<string>): void {
  const check = checkZipEntryName(name);
  if (!check.ok) throw new Error(`invalid ${check.message}`);
  if (check.isDirectory || check.name !== name) {
    throw new Error(`invalid ZIP entry name ${quoteName(name)}: use a normalised relative file path such as "a/b.csv"`);
  }
  if (seen.has(name)) throw new Error(`duplicate ZIP entry name ${quoteName(name)}`);
  seen.add(name);
}

/**
 * Streams `files` into a deflated ZIP at `targetPath`, one entry at a time: the next file is pulled from the iterable
 * only after the previous one has been consumed, so memory stays flat however many (or large) the files are. The ZIP
 * is written to a temp file renamed into place, so readers never see a partial archive; on failure nothing is left
 * behind and the current source stream is destroyed. Names must be normalised relative paths, unique in the archive.
 */
export async function writeZip(
  targetPath: string,
  files: AsyncIterable<ZipFileInput> | Iterable<ZipFileInput>,
  options: { compressionLevel?: number } = {},
): Promise<{ bytes: number; entries: number }> {
  await fs.mkdir(path.dirname(targetPath), { recursive: true });
  const temp = `${targetPath}.${randomUUID()}.partial`;
  const zip = new ZipFile();
  const output = createWriteStream(temp);
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  failed.catch(() => undefined);
  zip.on('error', (error: unknown) => fail(error));
  zip.outputStream.on('error', () => undefined); // surfaced by the pipeline below; never an unhandled event
  const written = pipeline(zip.outputStream, output);
  written.catch((error: unknown) => fail(error));

  let current: Readable | undefined;
  try {
    const names = new Set<string>();
    let entries = 0;
    for await (const file of files) {
      assertEntryName(file.name, names);
      const source = Buffer.isBuffer(file.content)
        ? Readable.from([file.content], { objectMode: false })
        : file.content;
      current = source;
      zip.addReadStream(source, file.name, { compressionLevel: options.compressionLevel ?? 6 });
      await Promise.race([finished(source), failed]);
      current = undefined;
      entries += 1;
    }
    zip.end();
    await Promise.race([written, failed]);
    const { size } = await fs.stat(temp);
    await fs.rename(temp, targetPath);
    return { bytes: size, entries };
  } catch (error) {
    current?.destroy();
    output.destroy();
    await written.catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
}
