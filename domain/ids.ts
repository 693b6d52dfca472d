/** Every workflow id, schedule id and task queue name is built here, so each one has exactly one spelling. */

import type { Capability } from './capabilities';

/** Task queues, one per capability; a prefix isolates parallel test runs sharing one Temporal server. */
export function taskQueue(capability: Capability, prefix = ''): string {
  return `${prefix}${capability}`;
}

export const bulkOperationWorkflowId = (tenantId: string): string => `bulk/${tenantId}`;
export const routerJobWorkflowId = (tenantId: string, jobId: string): string => `router-job/${tenantId}/${jobId}`;
export const outboundJobWorkflowId = (tenantId: string, jobId: string): string => `outbound-job/${tenantId}/${jobId}`;
export const pingWorkflowId = (tenantId: string, pingId: string): string => `ping/${tenantId}/${pingId}`;

export const bulkRetentionScheduleId = (prefix = ''): string => `${prefix}bulk-retention-purge`;
export const bulkRetentionWorkflowId = (prefix = ''): string => `${prefix}bulk-retention-purge`;
export const bulkStorageSweepScheduleId = (prefix = ''): string => `${prefix}bulk-storage-sweep`;
export const bulkStorageSweepWorkflowId = (prefix = ''): string => `${prefix}bulk-storage-sweep`;
