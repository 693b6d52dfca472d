import { heartbeat } from '@temporalio/activity';
import { removePurgedIndexChunks } from '../../db/bulk/operation-index';
import type { Database } from '../../db/connection';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import type { BlobStore } from '../../storage/blob-store';

/**
 * Deletes operations that ended before `endedBefore`, with their files (uploads, errors, results, staging), then the
 * chunks of each affected tenant's operation index that list only deleted operations (never the newest chunk, which
 * the workflow may be writing to; db/bulk/operation-index.ts). FerretDB has no TTL indexes, so a Temporal Schedule
 * runs this. Files go first: a crash in between leaves a record whose files are gone, which the next run deletes,
 * never files without a record. A chunk left behind by a crash lists only operations past retention, which lists do
 * not show, and goes with the tenant's next purge.
 */
export async function purgeEndedOperations(
  deps: { db: Database; blobs: BlobStore },
  input: { endedBefore: string },
): Promise<{ purged: number }> {
  const cutoff = new Date(input.endedBefore);
  const tenants = new Set<string>();
  let purged = 0;
  for (;;) {
    // A daily scan of the collection by `endedAt` (indexed on MongoDB): off the request path, so FerretDB's full
    // read is acceptable here.
    const expired = await deps.db.bulkOperations
      .find({ endedAt: { $lt: cutoff } }, { _id: 1, tenantId: 1 })
      .limit(200)
      .lean();
    if (expired.length === 0) break;
    for (const operation of expired) {
      await deps.blobs.deletePrefix(bulkBlobKeys.prefix(operation.tenantId, operation._id));
      tenants.add(operation.tenantId);
    }
    const { deletedCount } = await deps.db.bulkOperations.deleteMany({ _id: { $in: expired.map((op) => op._id) } });
    purged += deletedCount;
    heartbeat({ purged });
  }
  for (const tenantId of tenants) {
    await removePurgedIndexChunks(deps.db, tenantId, cutoff);
    heartbeat({ purged });
  }
  return { purged };
}
