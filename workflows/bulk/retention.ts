import { proxyActivities } from '@temporalio/workflow';
import type { BulkActivities } from '../../activities/bulk';

const { purgeEndedOperations } = proxyActivities<BulkActivities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
});

/** Run by the `bulk-retention-purge` Schedule: deletes bulk operations (and files) that ended too long ago. */
export async function bulkRetentionPurge(input: { retentionMs: number }): Promise<{ purged: number }> {
  const endedBefore = new Date(Date.now() - input.retentionMs).toISOString();
  return purgeEndedOperations({ endedBefore });
}
