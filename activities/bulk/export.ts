import { heartbeat } from '@temporalio/activity';
import { stringify } from 'csv-stringify';
import { type Readable } from 'node:stream';
import type { Database } from '../../db/connection';
import type { ConfigObjectDoc } from '../../db/config-objects';
import { findObjectType, type ObjectTypeId, type ObjectTypeSpec } from '../../domain/bulk/catalog';
import { templateHeader } from '../../domain/bulk/headers';
import { BULK_LIMITS, bulkBlobKeys } from '../../domain/bulk/operation';
import { type ConfigData, toCsvRecord } from '../../domain/bulk/rows';
import type { BlobStore } from '../../storage/blob-store';
import { writeZip } from '../../storage/zip-writer';

export interface ExportInput {
  tenantId: string;
  operationId: string;
  objectType: ObjectTypeId;
  fileName: string;
}

export interface ExportResult {
  count: number;
  resultKey: string;
  contentType: 'text/csv' | 'application/zip';
  files: number;
}

/** Name without extension, safe as a ZIP entry and a download name. */
export function exportBaseName(fileName: string): string {
  const base = fileName
    .replace(/\.(csv|zip)$/i, '')
    .replace(/[^A-Za-z0-9._ -]+/g, '_')
    .trim();
  return base === '' ? 'export' : base;
}

function csvStream(header: string[], records: AsyncIterable<string[]>): Readable {
  const output = stringify({ record_delimiter: 'windows' });
  void (async () => {
    try {
      output.write(header);
      for await (const record of records) {
        if (!output.write(record)) await new Promise((resolve) => output.once('drain', resolve));
      }
      output.end();
    } catch (error) {
      output.destroy(error as Error);
    }
  })();
  return output;
}

function csvSpec(objectType: ObjectTypeId): ObjectTypeSpec {
  const spec = findObjectType(objectType);
  if (!spec || spec.format !== 'csv') throw new Error(`${objectType} cannot be exported as CSV`);
  return spec;
}

/**
 * Streams every object of a type, in key order, as CSV in the import format (export → import is a no-op): one CSV
 * up to 5000 objects, otherwise a ZIP of CSVs of at most 5000 rows each. Memory stays flat whatever the count.
 */
export async function exportObjects(
  deps: { db: Database; blobs: BlobStore },
  input: ExportInput,
): Promise<ExportResult> {
  const spec = csvSpec(input.objectType);
  const model = deps.db.configObjects(spec.id);
  const filter = { tenantId: input.tenantId };
  const count = await model.countDocuments(filter);
  const header = templateHeader(spec);
  const cursor = model.find(filter).sort({ _id: 1 }).lean<ConfigObjectDoc[]>().cursor();
  let exported = 0;
  async function* records(limit: number): AsyncIterable<string[]> {
    for (let n = 0; n < limit; n += 1) {
      const doc = (await cursor.next()) as ConfigObjectDoc | null;
      if (!doc) return;
      exported += 1;
      if (exported % 1000 === 0) heartbeat({ exported });
      yield toCsvRecord(spec, doc.data as ConfigData);
    }
  }
  try {
    if (count <= BULK_LIMITS.exportRowsPerFile) {
      const resultKey = bulkBlobKeys.result(input.tenantId, input.operationId, 'csv');
      await deps.blobs.put(resultKey, csvStream(header, records(Number.POSITIVE_INFINITY)));
      return { count: exported, resultKey, contentType: 'text/csv', files: 1 };
    }
    const base = exportBaseName(input.fileName);
    const files = Math.ceil(count / BULK_LIMITS.exportRowsPerFile);
    const resultKey = bulkBlobKeys.result(input.tenantId, input.operationId, 'zip');
    const width = Math.max(3, String(files).length);
    async function* entries() {
      for (let index = 1; ; index += 1) {
        const first = (await cursor.next()) as ConfigObjectDoc | null;
        if (!first) return;
        exported += 1;
        const rest = records(BULK_LIMITS.exportRowsPerFile - 1);
        async function* withFirst(): AsyncIterable<string[]> {
          yield toCsvRecord(spec, (first as ConfigObjectDoc).data as ConfigData);
          yield* rest;
        }
        yield { name: `${base}-${String(index).padStart(width, '0')}.csv`, content: csvStream(header, withFirst()) };
      }
    }
    const zip = await writeZip(deps.blobs.localPath(resultKey), entries());
    return { count: exported, resultKey, contentType: 'application/zip', files: zip.entries };
  } finally {
    await cursor.close();
  }
}
