import type { AnyBulkWriteOperation } from 'mongoose';
import type { Database } from '../../db/connection';
import type { ConfigObjectDoc } from '../../db/config-objects';
import type { ObjectTypeId } from '../../domain/bulk/catalog';
import { dialectFor, sameData } from '../../domain/bulk/dialect';
import type { ConfigData } from '../../domain/bulk/rows';
import { bulkBlobKeys } from '../../domain/bulk/operation';
import type { BlobStore } from '../../storage/blob-store';
import type { StagedRow } from './stage-import';

export interface ApplyBatchInput {
  tenantId: string;
  operationId: string;
  objectType: ObjectTypeId;
  batch: number;
}

export interface ApplyBatchResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
}

async function readStagedBatch(blobs: BlobStore, key: string): Promise<StagedRow[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.get(key)) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as StagedRow);
}

/**
 * Writes one staged batch: reads the stored objects of the batch's keys, merges, and upserts only what changed, in
 * one bulkWrite. Idempotent (a retry after a partial write finds those rows unchanged), so each row is written once
 * and importing the same file twice changes nothing.
 */
export async function applyImportBatch(
  deps: { db: Database; blobs: BlobStore },
  input: ApplyBatchInput,
): Promise<ApplyBatchResult> {
  const dialect = dialectFor(input.objectType);
  if (!dialect) throw new Error(`no import dialect for ${input.objectType}`);
  const rows = await readStagedBatch(
    deps.blobs,
    bulkBlobKeys.stagedBatch(input.tenantId, input.operationId, input.batch),
  );
  const stored = await deps.db.configObjects
    .find({ tenantId: input.tenantId, type: input.objectType, key: { $in: rows.map((row) => row.key) } })
    .lean<ConfigObjectDoc[]>();
  const byKey = new Map(stored.map((doc) => [doc.key, doc]));
  const now = new Date();
  const writes: AnyBulkWriteOperation[] = [];
  const result: ApplyBatchResult = { rows: rows.length, created: 0, updated: 0, unchanged: 0 };
  for (const row of rows) {
    const existing = byKey.get(row.key);
    const previous = existing?.data as ConfigData | undefined;
    const data = dialect.merge(previous, row.data);
    if (existing && sameData(previous, data)) {
      result.unchanged += 1;
      continue;
    }
    if (existing) result.updated += 1;
    else result.created += 1;
    writes.push({
      updateOne: {
        filter: { tenantId: input.tenantId, type: input.objectType, key: row.key },
        update: {
          $set: { data, updatedAt: now, lastOperationId: input.operationId },
          $inc: { version: 1 },
          $setOnInsert: { createdAt: now },
        },
        upsert: true,
      },
    });
  }
  if (writes.length > 0) await deps.db.configObjects.bulkWrite(writes, { ordered: false });
  return result;
}
