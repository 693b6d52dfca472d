import { proxyActivities } from '@temporalio/workflow';
import type { BulkActivities } from '../../activities/bulk';

const { purgeEndedOperations, sweepOrphanedFiles } = proxyActivities<BulkActivities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
});

/** Run by the `bulk-retention-purge` Schedule: deletes bulk operations (and files) that ended too long ago. */
export async function bulkRetentionPurge(input: { retentionMs: number }): Promise<{ purged: number }> {
  const endedBefore = new Date(Date.now() - input.retentionMs).toISOString();
  return purgeEndedOperations({ endedBefore });
}

/**
 * Run by the `bulk-storage-sweep` Schedule: removes incomplete uploads and orphaned staging files older than
 * `maxAgeMs`, the backstop behind every request's and workflow's own cleanup.
 */
export async function bulkStorageSweep(input: {
  maxAgeMs: number;
}): Promise<{ incomplete: number; stagedOperations: number; unreferencedChunks: number }> {
  return sweepOrphanedFiles({ olderThan: new Date(Date.now() - input.maxAgeMs).toISOString() });
}
