import { ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { type Config, durationMs } from '../domain/config';
import { bulkRetentionScheduleId, bulkRetentionWorkflowId, taskQueue } from '../domain/ids';
import { CapabilityAttribute } from '../domain/search-attributes';

/** Every schedule the workers own, created or updated idempotently at worker start. */
export function workerSchedules(config: Config): ScheduleOptions[] {
  const prefix = config.CCFLOW_TASK_QUEUE_PREFIX;
  return [
    {
      scheduleId: bulkRetentionScheduleId(prefix),
      spec: { intervals: [{ every: durationMs(config.CCFLOW_BULK_PURGE_EVERY) }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'bulkRetentionPurge',
        workflowId: bulkRetentionWorkflowId(prefix),
        taskQueue: taskQueue('bulk', prefix),
        args: [{ retentionMs: durationMs(config.CCFLOW_BULK_RETENTION) }],
        typedSearchAttributes: [{ key: CapabilityAttribute, value: 'bulk' }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    },
  ];
}
