import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { zipBlobOf, type ZipSource } from './blob-source';
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
 * Streams `files` into a deflated ZIP stored at `target` (a blob, or a local file path), one entry at a time: the next
 * file is pulled from the iterable only after the previous one has been consumed, so memory stays flat however many
 * (or large) the files are. The archive is streamed into `BlobStore.put`, which replaces the blob only once complete
 * (for files: a temp file renamed into place), so readers never see a partial archive; on failure the output stream
 * is destroyed so nothing is left behind, and the current source stream is destroyed. Names must be normalised
 * relative paths, unique in the archive.
 */
export async function writeZip(
  target: ZipSource,
  files: AsyncIterable<ZipFileInput> | Iterable<ZipFileInput>,
  options: { compressionLevel?: number } = {},
): Promise<{ bytes: number; entries: number }> {
  const { blobs, key } = zipBlobOf(target);
  const zip = new ZipFile();
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  failed.catch(() => undefined);
  zip.on('error', (error: unknown) => fail(error));
  const output = zip.outputStream as Readable; // a PassThrough; yazl's typings say NodeJS.ReadableStream
  output.on('error', () => undefined); // surfaced by the put below; never an unhandled event
  const written = blobs.put(key, output);
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
    const { bytes } = await Promise.race([written, failed]);
    return { bytes, entries };
  } catch (error) {
    current?.destroy();
    // Failing the archive stream makes the store discard what it has received.
    output.destroy(error instanceof Error ? error : new Error(String(error)));
    await written.catch(() => undefined);
    throw error;
  }
}
