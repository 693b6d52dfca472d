import { heartbeat } from '@temporalio/activity';
import { deleteUnreferencedChunks } from '../../db/bulk/config-objects';
import type { Database } from '../../db/connection';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import type { BlobStore } from '../../storage/blob-store';

export interface SweepResult {
  incomplete: number;
  stagedOperations: number;
  unreferencedChunks: number;
}

const STAGED_BATCH = /^tenants\/([^/]+)\/bulk\/([^/]+)\/staged\//;

/**
 * The backstop behind every cleanup path: removes writes that never completed (an API process killed mid-upload),
 * staged batches left by operations that are over (or unknown), and configuration chunks no head lists (a write
 * abandoned before its commit) — all only once older than `olderThan`, so nothing a running upload or operation
 * still uses is touched.
 */
export async function sweepOrphanedFiles(
  deps: { db: Database; blobs: BlobStore },
  input: { olderThan: string },
): Promise<SweepResult> {
  const cutoff = new Date(input.olderThan);
  const incomplete = await deps.blobs.deleteIncomplete(cutoff);
  const staleStaging = new Map<string, { tenantId: string; operationId: string }>();
  const fresh = new Set<string>();
  let seen = 0;
  for await (const blob of deps.blobs.list('tenants/')) {
    seen += 1;
    if (seen % 1000 === 0) heartbeat({ seen });
    const match = STAGED_BATCH.exec(blob.key);
    if (!match?.[1] || !match[2]) continue;
    const operationId = match[2];
    if (blob.modifiedAt >= cutoff) fresh.add(operationId);
    else staleStaging.set(operationId, { tenantId: match[1], operationId });
  }
  let stagedOperations = 0;
  for (const { tenantId, operationId } of staleStaging.values()) {
    if (fresh.has(operationId)) continue;
    const operation = await deps.db.bulkOperations.findById(operationId, { endedAt: 1 }).lean();
    if (operation && !operation.endedAt) continue;
    await deps.blobs.deletePrefix(bulkBlobKeys.staged(tenantId, operationId));
    stagedOperations += 1;
  }
  const unreferencedChunks = await deleteUnreferencedChunks(deps.db.config, cutoff);
  return { incomplete, stagedOperations, unreferencedChunks };
}
