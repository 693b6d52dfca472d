import { pipeline, Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { BULK_LIMITS } from '../../domain/bulk/limits';
import { type BlobStore, readBlobRange } from '../../storage/blob-store';
import { forEachZipEntry, inspectZip, ZipRejectedError, type ZipLimits } from '../zip/reader';

/** A file-level problem: the whole operation is rejected before anything is written. Message is for the uploader. */
export class FileRejectedError extends Error {
  override readonly name = 'FileRejectedError';
}

export interface CsvRecord {
  /** 1-based line number of the record's first line in its file (the header is line 1). */
  line: number;
  cells: string[];
}

export interface CsvSource {
  fileName: string;
  records: AsyncIterable<CsvRecord>;
}

const CSV_ZIP_LIMITS: ZipLimits = {
  maxEntries: BULK_LIMITS.maxZipEntries,
  maxTotalUncompressedBytes: BULK_LIMITS.maxUncompressedBytes,
  maxCompressionRatio: BULK_LIMITS.maxCompressionRatio,
  maxEntryUncompressedBytes: BULK_LIMITS.maxCsvBytes,
};

/** Whether the blob starts with a ZIP signature (local file header, or the end record of an empty archive). */
export async function isZipBlob(blobs: BlobStore, key: string): Promise<boolean> {
  const bytes = await readBlobRange(blobs, key, 0, 4);
  return bytes.length === 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** Metadata that archivers add and nobody means to import. */
export const isArchiverNoise = (name: string): boolean =>
  name.startsWith('__MACOSX/') || name.split('/').some((part) => part === '.DS_Store' || part === 'Thumbs.db');

/**
 * Rejects bytes that cannot be a UTF-8 CSV (NUL bytes, invalid UTF-8) while streaming, so a spreadsheet or an
 * image uploaded by mistake fails with "not a CSV" instead of as thousands of garbled rows.
 */
function utf8TextGuard(fileName: string): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (chunk.includes(0)) {
        callback(new FileRejectedError(`"${fileName}" is not a CSV file: it contains binary data`));
        return;
      }
      try {
        decoder.decode(chunk, { stream: true });
        callback(null, chunk);
      } catch {
        callback(new FileRejectedError(`"${fileName}" is not a CSV file: it is not valid UTF-8 text`));
      }
    },
  });
}

async function* csvRecords(input: Readable, fileName: string): AsyncIterable<CsvRecord> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  // pipeline (not .pipe) destroys every stage with the first error, so the iteration below ends with it.
  pipeline(input, utf8TextGuard(fileName), parser, () => undefined);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: item.info.lines, cells: item.record };
    }
  } catch (error) {
    if (error instanceof FileRejectedError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new FileRejectedError(`"${fileName}" is not a valid CSV file: ${message}`);
  }
}

/**
 * Calls `visit` for each CSV of an upload (the blob at `key`): the file itself, or every `.csv` of a ZIP (folders
 * walked). Any non-CSV entry rejects the whole upload before the first CSV is visited.
 */
export async function forEachCsvSource(
  blobs: BlobStore,
  key: string,
  uploadName: string,
  visit: (source: CsvSource) => Promise<void>,
): Promise<void> {
  if (!(await isZipBlob(blobs, key))) {
    await visit({ fileName: uploadName, records: csvRecords(blobs.get(key), uploadName) });
    return;
  }
  const zip = { blobs, key };
  try {
    const entries = (await inspectZip(zip, CSV_ZIP_LIMITS)).filter((e) => !e.isDirectory && !isArchiverNoise(e.name));
    const notCsv = entries.filter((e) => !e.name.toLowerCase().endsWith('.csv'));
    if (notCsv.length > 0) {
      const names = notCsv.slice(0, 5).map((e) => `"${e.name}"`);
      throw new FileRejectedError(
        `ZIP "${uploadName}" contains ${notCsv.length} file(s) that are not CSV: ${names.join(', ')}; a ZIP import may contain only .csv files`,
      );
    }
    if (entries.length === 0) throw new FileRejectedError(`ZIP "${uploadName}" contains no CSV file`);
    await forEachZipEntry(zip, CSV_ZIP_LIMITS, async (entry, openEntry) => {
      if (isArchiverNoise(entry.name)) return;
      await visit({ fileName: entry.name, records: csvRecords(await openEntry(), entry.name) });
    });
  } catch (error) {
    if (error instanceof ZipRejectedError)
      throw new FileRejectedError(`ZIP "${uploadName}" rejected: ${error.message}`);
    throw error;
  }
}
