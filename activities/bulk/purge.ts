import { heartbeat } from '@temporalio/activity';
import type { Database } from '../../db/connection';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import type { BlobStore } from '../../storage/blob-store';

/**
 * Deletes operations that ended before `endedBefore`, with their files (uploads, errors, results, staging).
 * FerretDB has no TTL indexes, so a Temporal Schedule runs this. Files go first: a crash in between leaves a
 * record whose files are gone, which the next run deletes, never files without a record.
 */
export async function purgeEndedOperations(
  deps: { db: Database; blobs: BlobStore },
  input: { endedBefore: string },
): Promise<{ purged: number }> {
  const cutoff = new Date(input.endedBefore);
  let purged = 0;
  for (;;) {
    const expired = await deps.db.bulkOperations
      .find({ endedAt: { $lt: cutoff } }, { _id: 1, tenantId: 1 })
      .limit(200)
      .lean();
    if (expired.length === 0) return { purged };
    for (const operation of expired) {
      await deps.blobs.deletePrefix(bulkBlobKeys.prefix(operation.tenantId, operation._id));
    }
    const { deletedCount } = await deps.db.bulkOperations.deleteMany({ _id: { $in: expired.map((op) => op._id) } });
    purged += deletedCount;
    heartbeat({ purged });
  }
}
