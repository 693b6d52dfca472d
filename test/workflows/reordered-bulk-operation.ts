/**
 * NOT the real workflow: bulkOperation's export path with its first two activity calls swapped (exportObjects before
 * saveOperationState), under the same workflow type. Replaying the recorded export history against it must fail,
 * which shows that the replay test catches a change of the command sequence.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { BulkActivities } from '../../activities/bulk';
import type { BulkWorkflowInput } from '../../domain/bulk/messages';
import { StatusAttribute } from '../../domain/search-attributes';

const { exportObjects, saveOperationState } = proxyActivities<BulkActivities>({ startToCloseTimeout: '1m' });

export async function bulkOperation(input: BulkWorkflowInput): Promise<void> {
  const ids = { tenantId: input.tenantId, operationId: input.operationId };
  upsertSearchAttributes([{ key: StatusAttribute, value: 'inProgress' }]);
  const result = await exportObjects({ ...ids, objectType: input.objectType, fileName: input.fileName });
  const counts = { total: result.count, succeeded: result.count, failed: 0 };
  await saveOperationState({
    ...ids,
    version: 1,
    state: { status: 'inProgress', counts, processed: result.count },
    created: {
      kind: input.kind,
      objectType: input.objectType,
      fileName: input.fileName,
      dryRun: input.dryRun,
      submittedBy: input.submittedBy,
      createdAt: input.submittedAt,
    },
  });
}
