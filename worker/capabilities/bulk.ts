import path from 'node:path';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { createBulkActivities } from '../../activities/bulk';
import { durationMs } from '../../domain/config';
import {
  bulkRetentionScheduleId,
  bulkRetentionWorkflowId,
  bulkStorageSweepScheduleId,
  bulkStorageSweepWorkflowId,
  taskQueue,
} from '../../domain/ids';
import { CapabilityAttribute } from '../../domain/search-attributes';
import type { CapabilityWorker } from './registry';

export const bulkWorker: CapabilityWorker = {
  capability: 'bulk',
  workflowsPath: path.resolve(__dirname, '../../workflows/bulk/index.ts'),
  activities: createBulkActivities,
  schedules(config) {
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
      {
        scheduleId: bulkStorageSweepScheduleId(prefix),
        spec: { intervals: [{ every: durationMs(config.CCFLOW_BULK_SWEEP_EVERY) }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'bulkStorageSweep',
          workflowId: bulkStorageSweepWorkflowId(prefix),
          taskQueue: taskQueue('bulk', prefix),
          args: [{ maxAgeMs: durationMs(config.CCFLOW_BULK_ORPHAN_AGE) }],
          typedSearchAttributes: [{ key: CapabilityAttribute, value: 'bulk' }],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
      },
    ];
  },
};
