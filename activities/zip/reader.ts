import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { fromRandomAccessReader, getFileNameLowLevel, type Entry, type ZipFile } from 'yauzl';
import { BlobRangeReader, isInfrastructureError, zipBlobOf, type ZipSource } from './blob-source';

export { zipBlobOf, type ZipBlob, type ZipSource } from './blob-source';

/**
 * Safe, streaming ZIP reading for bulk imports. Every entry of the central directory is validated before a single
 * byte of file data is read, so a ZIP with one bad entry is rejected whole; entry data is then streamed with its
 * declared size and CRC-32 enforced, so a lying header cannot smuggle more (or different) bytes past the limits.
 */

export interface ZipLimits {
  /** Central-directory records, folders included. Checked before any record is read. */
  maxEntries: number;
  /** Sum of the declared uncompressed sizes of all entries. */
  maxTotalUncompressedBytes: number;
  /** Largest uncompressed:compressed ratio of one entry (e.g. 100 means 100:1). */
  maxCompressionRatio: number;
  /** Largest declared uncompressed size of one entry; unlimited (beyond the total) when unset. */
  maxEntryUncompressedBytes?: number;
  /**
   * Entries whose uncompressed size is below this skip the ratio check (tiny files compress absurdly well and are
   * harmless). Default 1 KiB. Raise it for audio: digital silence deflates ~1000:1, exactly like a zero-filled bomb.
   */
  minBytesForRatioCheck?: number;
}

export type ZipRejectionReason =
  'path-traversal' | 'too-many-entries' | 'too-large' | 'compression-ratio' | 'encrypted' | 'corrupt' | 'not-a-zip';

/** The archive is unacceptable as a whole; `message` is written for the person who uploaded it. */
export class ZipRejectedError extends Error {
  override readonly name = 'ZipRejectedError';
  constructor(
    readonly reason: ZipRejectionReason,
    message: string,
  ) {
    super(message);
  }
}

export interface ZipEntryInfo {
  /** Normalised '/'-separated relative path (backslashes become '/', '.' and empty segments dropped); folders end in '/'. */
  name: string;
  uncompressedSize: number;
  compressedSize: number;
  isDirectory: boolean;
}

export const DEFAULT_MIN_BYTES_FOR_RATIO_CHECK = 1024;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const LOCAL_FILE_HEADER_BYTES = 30;

/** Quotes a user-supplied name for a message, escaping control characters so the message stays on one line. */
export function quoteName(name: string): string {
  let out = '';
  for (const char of name) {
    const code = char.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return `"${out}"`;
}

export type ZipEntryNameCheck =
  { ok: true; name: string; isDirectory: boolean } | { ok: false; reason: ZipRejectionReason; message: string };

/**
 * Validates and normalises a raw entry name. Backslashes are treated as separators (some Windows tools write them)
 * and the result must be a plain relative path: no leading '/', no drive letter, no '..' segment, no control
 * characters. Shared with the ZIP writer so ccflow never produces an archive it would refuse to read.
 */
export function checkZipEntryName(rawName: string): ZipEntryNameCheck {
  const reject = (reason: ZipRejectionReason, problem: string): ZipEntryNameCheck => ({
    ok: false,
    reason,
    message: `ZIP entry ${quoteName(rawName)} ${problem}`,
  });
  if (rawName === '') return reject('corrupt', 'has an empty name');
  for (const char of rawName) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return reject('path-traversal', 'contains control characters in its name');
  }
  const slashed = rawName.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return reject('path-traversal', 'is an absolute path');
  if (/^[a-zA-Z]:/.test(slashed)) return reject('path-traversal', 'starts with a drive letter');
  const segments = slashed.split('/');
  // '..' plus Windows spellings of it ('.. ', '...') that the filesystem would trim back to '..'.
  if (segments.some((segment) => /^\.\.[. ]*$/.test(segment))) {
    return reject('path-traversal', 'escapes the archive root');
  }
  const isDirectory = slashed.endsWith('/');
  const path = segments.filter((segment) => segment !== '' && segment !== '.').join('/');
  if (path === '') return reject('corrupt', 'has an empty name');
  return { ok: true, name: isDirectory ? `${path}/` : path, isDirectory };
}

function formatRatio(ratio: number, limit: number): string {
  const whole = Math.floor(ratio);
  return whole > limit ? String(whole) : ratio.toFixed(2);
}

/** Stateful per-archive validation of central-directory records, in order. */
class EntryValidator {
  private totalUncompressed = 0;
  private totalCompressed = 0;
  private readonly minBytesForRatioCheck: number;

  constructor(
    private readonly limits: ZipLimits,
    private readonly fileSize: number,
  ) {
    this.minBytesForRatioCheck = limits.minBytesForRatioCheck ?? DEFAULT_MIN_BYTES_FOR_RATIO_CHECK;
  }

  check(entry: Entry): ZipEntryInfo {
    const rawName = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    const named = checkZipEntryName(rawName);
    if (!named.ok) throw new ZipRejectedError(named.reason, named.message);
    const label = `ZIP entry ${quoteName(named.name)}`;

    const fileType = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (fileType === S_IFLNK) throw new ZipRejectedError('path-traversal', `${label} is a symbolic link`);
    if (fileType !== 0 && fileType !== S_IFREG && fileType !== S_IFDIR) {
      throw new ZipRejectedError('path-traversal', `${label} is a special file, not a regular file or folder`);
    }
    if (entry.generalPurposeBitFlag & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
      throw new ZipRejectedError('encrypted', `${label} is encrypted; password-protected ZIPs are not supported`);
    }
    if (entry.compressionMethod !== METHOD_STORED && entry.compressionMethod !== METHOD_DEFLATED) {
      throw new ZipRejectedError(
        'corrupt',
        `${label} uses compression method ${entry.compressionMethod}; only stored and deflate are supported`,
      );
    }

    const { uncompressedSize: size, compressedSize: compressed } = entry;
    if (entry.relativeOffsetOfLocalHeader + LOCAL_FILE_HEADER_BYTES + compressed > this.fileSize) {
      throw new ZipRejectedError(
        'corrupt',
        `${label} points past the end of the file; the ZIP is truncated or corrupt`,
      );
    }
    const maxRatio = this.limits.maxCompressionRatio;
    if (size >= this.minBytesForRatioCheck) {
      if (compressed === 0) {
        throw new ZipRejectedError(
          'compression-ratio',
          `${label} expands 0 compressed bytes to ${size} bytes; the limit is ${maxRatio}:1`,
        );
      }
      const ratio = size / compressed;
      if (ratio > maxRatio) {
        throw new ZipRejectedError(
          'compression-ratio',
          `${label} expands ${formatRatio(ratio, maxRatio)}:1; the limit is ${maxRatio}:1`,
        );
      }
    }
    const entryLimit = this.limits.maxEntryUncompressedBytes;
    if (entryLimit !== undefined && size > entryLimit) {
      throw new ZipRejectedError(
        'too-large',
        `${label} is ${size} bytes uncompressed; the limit per entry is ${entryLimit} bytes`,
      );
    }
    this.totalUncompressed += size;
    if (this.totalUncompressed > this.limits.maxTotalUncompressedBytes) {
      throw new ZipRejectedError(
        'too-large',
        `${label} brings the ZIP's uncompressed size to ${this.totalUncompressed} bytes; ` +
          `the limit is ${this.limits.maxTotalUncompressedBytes} bytes`,
      );
    }
    // Entries that share compressed data (the "overlapping files" zip bomb) declare more data than the file holds.
    this.totalCompressed += compressed;
    if (this.totalCompressed > this.fileSize) {
      throw new ZipRejectedError(
        'compression-ratio',
        `${label} overlaps the data of other entries (their compressed sizes add up to more than the ` +
          `${this.fileSize}-byte file), a zip-bomb technique`,
      );
    }
    return { name: named.name, uncompressedSize: size, compressedSize: compressed, isDirectory: named.isDirectory };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface OpenZip {
  zip: ZipFile;
  reader: BlobRangeReader;
}

async function openZip(source: ZipSource): Promise<OpenZip> {
  const blob = zipBlobOf(source);
  const size = await blob.blobs.size(blob.key); // a missing blob or a failing store is not the uploader's fault
  const reader = new BlobRangeReader(blob, size);
  let zip: ZipFile;
  try {
    zip = await new Promise<ZipFile>((resolve, reject) => {
      // decodeStrings: false so yauzl does not reject unsafe names itself with generic messages: names are decoded
      // with getFileNameLowLevel and judged by checkZipEntryName. validateEntrySizes stays on (the default).
      const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
      fromRandomAccessReader(reader, size, options, (error, file) => (error ? reject(error) : resolve(file)));
    });
  } catch (error) {
    const signature = await reader.bytes(0, 2).catch(() => undefined);
    await reader.idle();
    if (isInfrastructureError(error)) throw error;
    if (signature?.length === 2 && signature.toString('latin1') === 'PK') {
      throw new ZipRejectedError('corrupt', `ZIP is truncated or corrupt: ${messageOf(error)}`);
    }
    throw new ZipRejectedError('not-a-zip', 'the file is not a ZIP archive');
  }
  // Errors also arrive as events (e.g. a failed close); without a listener they would crash the process. Each one
  // also surfaces through the call that caused it.
  zip.on('error', () => undefined);
  return { zip, reader };
}

/** Closes the archive and waits until its blob is released, which yauzl does once every entry stream is gone. */
async function closeZip({ zip, reader }: OpenZip): Promise<void> {
  zip.close();
  await reader.closed;
}

/** Reads the central directory record by record, validating each one before yielding it. */
async function* validatedEntries(
  zip: ZipFile,
  limits: ZipLimits,
): AsyncGenerator<{ entry: Entry; info: ZipEntryInfo }> {
  if (zip.entryCount > limits.maxEntries) {
    throw new ZipRejectedError(
      'too-many-entries',
      `ZIP has ${zip.entryCount} entries; the limit is ${limits.maxEntries}`,
    );
  }
  const validator = new EntryValidator(limits, zip.fileSize);
  const records = zip.eachEntry();
  try {
    for (let index = 1; ; index += 1) {
      let next: IteratorResult<Entry>;
      try {
        next = await records.next();
      } catch (error) {
        throw centralDirectoryError(error, index);
      }
      if (next.done) return;
      yield { entry: next.value, info: validator.check(next.value) };
    }
  } finally {
    await records.return?.();
  }
}

function centralDirectoryError(error: unknown, index: number): Error {
  if (isInfrastructureError(error)) return error;
  if (/encryption/i.test(messageOf(error))) {
    return new ZipRejectedError(
      'encrypted',
      `ZIP entry #${index} is encrypted; password-protected ZIPs are not supported`,
    );
  }
  return new ZipRejectedError('corrupt', `ZIP is corrupt at central directory record #${index}: ${messageOf(error)}`);
}

/**
 * Reads the central directory only and validates every entry (names, symlinks, encryption, count, declared sizes,
 * compression ratios) without extracting anything. Rejects with {@link ZipRejectedError} on the first problem.
 */
export async function inspectZip(source: ZipSource, limits: ZipLimits): Promise<ZipEntryInfo[]> {
  const opened = await openZip(source);
  try {
    const infos: ZipEntryInfo[] = [];
    for await (const { info } of validatedEntries(opened.zip, limits)) infos.push(info);
    return infos;
  } finally {
    await closeZip(opened);
  }
}

function tableCrc32(): (data: Uint8Array, value?: number) => number {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, value = 0) => {
    let crc = ~value >>> 0;
    for (const byte of data) crc = ((table[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)) >>> 0;
    return ~crc >>> 0;
  };
}

// zlib.crc32 exists from Node 20.15 / 22.2; package.json allows older 20.x.
const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function' ? zlib.crc32 : tableCrc32();

function entryStreamError(info: ZipEntryInfo, error: unknown): Error {
  if (error instanceof ZipRejectedError || isInfrastructureError(error)) return error;
  return new ZipRejectedError('corrupt', `ZIP entry ${quoteName(info.name)} is corrupt: ${messageOf(error)}`);
}

/**
 * Wraps yauzl's entry stream: never lets more than the declared size through, checks the CRC-32 at the end and turns
 * low-level failures into {@link ZipRejectedError}s naming the entry.
 */
function guardEntryStream(
  source: Readable,
  info: ZipEntryInfo,
  expectedCrc: number,
  onRejected: (error: ZipRejectedError) => void,
): Readable {
  let bytes = 0;
  let crc = 0;
  const label = `ZIP entry ${quoteName(info.name)}`;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (bytes > info.uncompressedSize) {
        callback(
          new ZipRejectedError(
            'corrupt',
            `${label} holds more than the ${info.uncompressedSize} bytes its header declares`,
          ),
        );
        return;
      }
      crc = crc32(chunk, crc);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (bytes !== info.uncompressedSize) {
        callback(
          new ZipRejectedError(
            'corrupt',
            `${label} holds ${bytes} bytes but its header declares ${info.uncompressedSize}`,
          ),
        );
      } else if (crc !== expectedCrc) {
        callback(new ZipRejectedError('corrupt', `${label} is corrupt: its CRC-32 does not match`));
      } else {
        callback();
      }
    },
  });
  source.on('error', (error: unknown) => {
    if (!guard.destroyed) guard.destroy(entryStreamError(info, error));
  });
  guard.on('error', (error: unknown) => {
    if (error instanceof ZipRejectedError) onRejected(error);
  });
  guard.on('close', () => source.destroy());
  source.pipe(guard);
  return guard;
}

async function visitEntry(
  zip: ZipFile,
  entry: Entry,
  info: ZipEntryInfo,
  visit: (entry: ZipEntryInfo, open: () => Promise<Readable>) => Promise<void>,
): Promise<void> {
  const streams: Readable[] = []; // yauzl sources and their guards
  const opening = new Set<Promise<Readable>>();
  let visiting = true;
  let rejected: ZipRejectedError | undefined;
  const openEntry = async (): Promise<Readable> => {
    if (!visiting) throw new Error(`ZIP entry ${quoteName(info.name)} cannot be opened after its visitor returned`);
    const pending = zip.openReadStreamPromise(entry);
    opening.add(pending);
    let source: Readable;
    try {
      source = await pending;
    } catch (error) {
      throw entryStreamError(info, error);
    } finally {
      opening.delete(pending);
    }
    if (!visiting) {
      source.destroy();
      throw new Error(`ZIP entry ${quoteName(info.name)} was opened after its visitor returned`);
    }
    const guarded = guardEntryStream(source, info, entry.crc32, (error) => {
      rejected ??= error;
    });
    streams.push(source, guarded);
    return guarded;
  };
  try {
    await visit(info, openEntry);
  } finally {
    visiting = false;
    await Promise.allSettled([...opening]);
    for (const stream of streams) stream.destroy();
  }
  // A corrupt entry fails the import even if the visitor swallowed the stream error.
  if (rejected) throw rejected;
}

/**
 * Validates the whole central directory first (as {@link inspectZip}), then calls `visit` for every file entry in
 * archive order, folders skipped. `open()` streams the entry's uncompressed bytes; it may be called more than once,
 * and streams still open when the visitor settles are destroyed. A corrupt entry stream rejects with
 * {@link ZipRejectedError} ('corrupt'), and so does this function afterwards even if the visitor caught it. The ZIP is
 * closed on every path, including the visitor throwing.
 */
export async function forEachZipEntry(
  source: ZipSource,
  limits: ZipLimits,
  visit: (entry: ZipEntryInfo, open: () => Promise<Readable>) => Promise<void>,
): Promise<void> {
  // Pass 1 rejects bad archives whole before anything is extracted; pass 2 re-reads the central directory so memory
  // does not grow with the entry count (records are validated again, which is cheap).
  await inspectZip(source, limits);
  const opened = await openZip(source);
  try {
    for await (const { entry, info } of validatedEntries(opened.zip, limits)) {
      if (!info.isDirectory) await visitEntry(opened.zip, entry, info, visit);
    }
  } finally {
    await closeZip(opened);
  }
}
